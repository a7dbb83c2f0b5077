// Forwarding an envelope that reached this peer outside gossipsub (catch-up sync, a stem fluff) on to
// the gossip mesh, leaving out the neighbour it came from (docs/ARCHITECTURE.md "Admission": never
// back to the source). Invariants: the envelope is marked seen and cached for IWANT exactly as a
// publish would; the excluded peer gets nothing from this call; the message id is the envelope hash
// already computed (no second keccak).
//
// Why it reaches into gossipsub: its public publish() names no exclusions and floods every topic peer,
// so a relay catching up 100 000 envelopes from another relay sent each one straight back (three times
// the bytes, docs/BENCHMARKS.md "Catch-up"). Gossipsub's own forwardMessage(), the path it takes for a
// validated message from a neighbour, does exclude peers and sends to the mesh only; it and the seen
// and message caches are JavaScript members that @libp2p/gossipsub 17 types as private. They are
// checked for at run time: when one is missing (another gossipsub version), publish() is used, as
// before, and the fallback is logged once.

import type { GossipSub } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { GOSSIP_TOPIC } from '../core/constants.ts';

/** What a raw StrictNoSign message is on the wire: the topic and the data, nothing naming an author. */
interface RawMessage {
  from?: undefined;
  data: Uint8Array;
  seqno?: undefined;
  topic: string;
  signature?: undefined;
  key?: undefined;
}

interface GossipInternals {
  seenCache: { has(id: string): boolean; put(id: string): void };
  mcache: { put(id: { msgId: Uint8Array; msgIdStr: string }, msg: RawMessage, validated?: boolean): boolean };
  msgIdToStrFn(id: Uint8Array): string;
  forwardMessage(msgIdStr: string, raw: RawMessage, source?: string, exclude?: Set<string>): void;
  gossipTracer?: { deliverMessage(id: string): void };
}

function internals(pubsub: GossipSub): GossipInternals | undefined {
  const g = pubsub as unknown as Partial<GossipInternals>;
  return typeof g.forwardMessage === 'function' &&
    typeof g.msgIdToStrFn === 'function' &&
    typeof g.seenCache?.has === 'function' &&
    typeof g.seenCache.put === 'function' &&
    typeof g.mcache?.put === 'function'
    ? (g as GossipInternals)
    : undefined;
}

export type ForwardResult = 'forwarded' | 'seen' | 'published';

/**
 * Sends `rlp` (whose envelope hash is `hash`) to this node's gossip mesh except `except`. Returns
 * 'seen' when gossipsub had it already (it went, or will go, its own way), 'published' when the
 * fallback (plain publish, no exclusion) was used. `onFallback` hears once per pubsub that it was.
 */
export async function forwardExcept(
  pubsub: GossipSub,
  rlp: Uint8Array,
  hash: Uint8Array,
  except: PeerId | undefined,
  onFallback?: (why: string) => void,
): Promise<ForwardResult> {
  const g = internals(pubsub);
  if (g === undefined) {
    if (!warned.has(pubsub)) {
      warned.add(pubsub);
      onFallback?.('gossipsub internals (forwardMessage, seenCache, mcache) not found: catch-up envelopes are published to every peer, their source included');
    }
    await pubsub.publish(GOSSIP_TOPIC, rlp);
    return 'published';
  }
  const msgIdStr = g.msgIdToStrFn(hash);
  if (g.seenCache.has(msgIdStr)) return 'seen';
  const raw: RawMessage = { data: rlp, topic: GOSSIP_TOPIC };
  g.seenCache.put(msgIdStr);
  g.mcache.put({ msgId: hash, msgIdStr }, raw, true);
  g.gossipTracer?.deliverMessage(msgIdStr);
  g.forwardMessage(msgIdStr, raw, undefined, except ? new Set([except.toString()]) : undefined);
  return 'forwarded';
}

const warned = new WeakSet<GossipSub>();
