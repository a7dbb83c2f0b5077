// Envelope dissemination over gossipsub (docs/PROTOCOL.md §3): topic /shh/6/envelopes/rlp, data = one envelope's
// RLP, message id = the envelope hash, StrictNoSign so nothing names an envelope's origin. The topic
// validator maps docs/PROTOCOL.md §1's verdicts onto gossipsub: accept, ignore (duplicate, quietly expired: no
// penalty), reject (invalid: counts against the sending peer through peer scoring P4).

import { gossipsub, StrictNoSign, TopicValidatorResult, type GossipSub, type GossipsubOpts, type TopicValidatorFn } from '@libp2p/gossipsub';
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score';
import type { PeerId } from '@libp2p/interface';
import { GOSSIP_TOPIC, MAX_MESSAGE_SIZE_CEILING } from '../core/constants.ts';
import { envelopeHash } from '../core/envelope.ts';
import type { Admission } from './admission.ts';
import { coalesceForwards, type CoalesceInit } from './coalesce.ts';
import { lazyLinks, type LazyLinksInit } from './lazy-links.ts';

/**
 * Largest gossipsub RPC we read. The default (4 MiB) already fits a ceiling-sized envelope (1 MiB)
 * plus protobuf framing, but an IWANT reply bundles several messages into one RPC, so leave room for
 * four ceiling-sized envelopes and their framing rather than have a legitimate reply kill the stream.
 */
export const MAX_RPC_BYTES = 4 * MAX_MESSAGE_SIZE_CEILING + 64 * 1024;

/**
 * A relay's IDONTWANT (gossipsub v1.2) threshold: only for envelopes of at least this size. Gossipsub's
 * default (512 B) sends one more frame to every mesh neighbour for nearly every real envelope (about
 * 560 B): on a relay meshed with all its browsers that doubled the frames per delivered copy, and a
 * browser that hears an envelope from its relay has rarely had it from elsewhere first. Peers with a
 * few neighbours keep the default: there IDONTWANT saves duplicates (docs/BENCHMARKS.md "Bytes per
 * envelope"), the more so as coalescing holds forwards for a few ms while IDONTWANTs leave at once.
 */
export const IDONTWANT_MIN_BYTES = 8 * 1024;

// Scoring (gossipsub v1.1). One invalid envelope makes a peer's score negative (-10): it is pruned
// from our mesh at the next heartbeat and gets no gossip. The penalty is the square of a decaying
// counter, so 3 invalid envelopes (-90) fall below the publish threshold and 4 (-160) below the
// graylist, where every RPC of the peer is dropped unread. Honest peers never reject-forward, so
// their score stays >= 0; the counter halves in about 70 s (decay 0.99 per 1 s interval), so a peer
// with a transient fault (a clock off by more than the tolerance) recovers.
export const SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -100,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 1,
};

export const TOPIC_SCORE: TopicScoreParams = {
  topicWeight: 1,
  // P1, P2: a little credit for staying in the mesh and delivering first, capped far below one
  // invalid envelope's penalty so credit cannot buy a spammer room.
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 100,
  firstMessageDeliveriesWeight: 0.1,
  firstMessageDeliveriesDecay: 0.99,
  firstMessageDeliveriesCap: 10,
  // P3, P3b off: Whisper traffic is sparse and bursty, so "too few mesh deliveries" says nothing
  // about a peer's honesty and would prune honest peers in quiet hours.
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  // P4: invalid envelopes.
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99,
};

export interface WhisperGossipInit {
  /** Gossipsub heartbeat in ms (default 1000; tests speed it up). */
  heartbeatInterval?: number;
  /** P5, application score per peer id string, e.g. a bonus for peers marked trusted. */
  appSpecificScore?: (peerId: string) => number;
  /**
   * Forwards coalesced per neighbour (coalesce.ts; default COALESCE_DEFAULTS). false: gossipsub's stock
   * send path, for comparison in bench/load.ts: one RPC per message per neighbour (and on a relay,
   * IDONTWANT from gossipsub's 512 B: node.ts).
   */
  coalesce?: CoalesceInit | false;
  /**
   * Envelope forwards held for neighbours that have them from elsewhere first (lazy-links.ts; default
   * LAZY_DEFAULTS). false: every mesh link eager, as gossipsub ships (a relay: node.ts).
   */
  lazy?: LazyLinksInit | false;
  /** Anything else gossipsub accepts; applied last (tests, operators). */
  options?: Partial<GossipsubOpts>;
}

// Gossipsub computes the message id (the envelope hash) before it calls the topic validator with the
// same message object: remembered by its data, the validator hands it on so validation does not
// hash the envelope a second time. Weak: an id lives as long as its message's bytes.
const idsByData = new WeakMap<Uint8Array, Uint8Array>();

/** Message id = envelope hash (docs/PROTOCOL.md §1): the same id the pool, sync and shh_post use. */
export const envelopeMessageId = (msg: { data: Uint8Array }): Uint8Array => {
  const id = envelopeHash(msg.data);
  idsByData.set(msg.data, id);
  return id;
};

export function scoreParams(init: WhisperGossipInit = {}): Partial<PeerScoreParams> {
  return {
    topics: { [GOSSIP_TOPIC]: TOPIC_SCORE },
    topicScoreCap: 2,
    appSpecificScore: init.appSpecificScore ?? (() => 0),
    appSpecificWeight: 1,
    // Browsers reach each other through relays and share NATs: IP colocation would punish honest
    // browsers for sitting behind the same relay or router.
    IPColocationFactorWeight: 0,
  };
}

/** The gossipsub service factory configured for Whisper. */
export function whisperGossipsub(init: WhisperGossipInit = {}): ReturnType<typeof gossipsub> {
  const factory = gossipsub({
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: envelopeMessageId,
    // A post made while alone still enters the local pool; catch-up sync spreads it later.
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    allowedTopics: [GOSSIP_TOPIC],
    maxInboundDataLength: MAX_RPC_BYTES,
    fallbackToFloodsub: false,
    heartbeatInterval: init.heartbeatInterval ?? 1000,
    scoreParams: scoreParams(init),
    scoreThresholds: SCORE_THRESHOLDS,
    ...init.options,
  });
  const { coalesce, lazy } = init;
  if (coalesce === false && lazy === false) return factory;
  return (components) => {
    const pubsub = factory(components);
    // In this order: a held lazy forward leaves through the coalesced send path, and stop() releases
    // the held forwards before the coalescer flushes.
    if (coalesce !== false) coalesceForwards(pubsub, coalesce);
    if (lazy !== false) lazyLinks(pubsub, GOSSIP_TOPIC, lazy);
    return pubsub;
  };
}

/**
 * The topic validator: hands each message's data to the admission path (admission.ts), which
 * validates, counts the sender's budget, stores and pools, and maps its outcome onto gossipsub:
 * accepted envelopes are forwarded by gossipsub (never back to the source), ignored ones dropped
 * quietly, rejected ones count against the sender (P4).
 */
export function envelopeValidator(admit: (rlp: Uint8Array, from: PeerId, hash?: Uint8Array) => Promise<Admission>): TopicValidatorFn {
  return async (from, message) => {
    const r = await admit(message.data, from, idsByData.get(message.data));
    if (r.kind === 'accept') return TopicValidatorResult.Accept;
    return r.kind === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
  };
}

/** Registers the validator and subscribes to the Whisper topic. */
export function joinTopic(pubsub: GossipSub, validator: TopicValidatorFn): void {
  pubsub.topicValidators.set(GOSSIP_TOPIC, validator);
  pubsub.subscribe(GOSSIP_TOPIC);
}

export function leaveTopic(pubsub: GossipSub): void {
  pubsub.unsubscribe(GOSSIP_TOPIC);
  pubsub.topicValidators.delete(GOSSIP_TOPIC);
}
