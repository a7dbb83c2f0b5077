// Browser discovery (docs/PROTOCOL.md §3): a libp2p service on the gossipsub topic /shh/6/discovery/1.0.0.
// 'announce' (browsers) publishes the peer's own circuit WebRTC addresses (announcement.ts) and
// reports others' as candidates, forwarding none; 'forward' (relays) only validates and forwards each
// announcement to `fanout` neighbours in rotation (sampled-forward.ts), never dials. So a browser hears
// of a few others per interval and a relay's cost grows with its browsers, not their square. Every
// role validates: malformed is rejected (scored down), stale, future or not-newer-than-seen ignored.

import { logger } from '@libp2p/logger';
import { TopicValidatorResult, type GossipSub, type TopicValidatorFn } from '@libp2p/gossipsub';
import type { TopicScoreParams } from '@libp2p/gossipsub/score';
import { TypedEventEmitter, type Libp2pEvents, type PeerId, type Startable, type TypedEventTarget } from '@libp2p/interface';
import type { AddressManager } from '@libp2p/interface-internal';
import type { Multiaddr } from '@multiformats/multiaddr';
import {
  addressPeerId,
  checkAnnouncement,
  DISCOVERY_TOPIC,
  encodeAnnouncement,
  isBrowserCircuitAddress,
  MAX_ANNOUNCED_ADDRS,
  type AddressRule,
  type Announcement,
  type AnnouncementVerdict,
} from './announcement.ts';
import { TOPIC_SCORE } from './gossip.ts';
import { sampleForwards } from './sampled-forward.ts';

const log = logger('shh:net:discovery');

export interface DiscoveryInit {
  mode: 'announce' | 'forward';
  /** How often a browser re-announces (default 30 s): the time a late joiner may wait to hear of it. */
  intervalMs?: number;
  /** Announcements older than this are ignored (default 120 s: four intervals, plus clock skew). */
  maxAgeS?: number;
  /** Which addresses are announceable (default: `<relay>/p2p-circuit/webrtc/p2p/<peer>`). */
  rule?: AddressRule;
  /** How many peers' latest announcement time is remembered to refuse replays (default 4096). */
  maxTracked?: number;
  /** Wait after our own addresses change before announcing, so a burst of changes sends one (default 1 s). */
  settleMs?: number;
  /** 'forward': neighbours each announcement is forwarded to (default DISCOVERY_FANOUT); 0: every mesh neighbour. */
  fanout?: number;
  now?: () => number;
}

export interface DiscoveryComponents {
  peerId: PeerId;
  pubsub: GossipSub;
  addressManager: AddressManager;
  events: TypedEventTarget<Libp2pEvents>;
}

export interface DiscoveryEvents {
  /** Another peer's fresh announcement (announce mode only; never our own). */
  candidate: CustomEvent<Announcement>;
  /** Every validation outcome (metrics and tests). */
  verdict: CustomEvent<AnnouncementVerdict>;
}

// Scored like the envelope topic on P4 (one invalid announcement costs as much as one invalid
// envelope), but no credit for time in mesh or first deliveries: announcements are cheap to make.
export const DISCOVERY_TOPIC_SCORE: TopicScoreParams = {
  ...TOPIC_SCORE,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
};

/**
 * Neighbours a relay forwards each announcement to. A browser announces every 30 s, so behind a relay
 * with N browsers each browser hears of about this many others per interval, whatever N; it dials a
 * few of them (neighbours.ts) and keeps those it reaches.
 */
export const DISCOVERY_FANOUT = 4;

export class BrowserDiscovery extends TypedEventEmitter<DiscoveryEvents> implements Startable {
  readonly #c: DiscoveryComponents;
  readonly #mode: 'announce' | 'forward';
  readonly #interval: number;
  readonly #maxAge: number;
  readonly #rule: AddressRule;
  readonly #maxTracked: number;
  readonly #settle: number;
  readonly #fanout: number;
  readonly #now: () => number;
  // Latest `at` accepted per announced peer; a Map iterates in insertion order, so the oldest entry is first.
  readonly #latest = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;
  #lastAt = -1;
  #running = false;

  constructor(components: DiscoveryComponents, init: DiscoveryInit) {
    super();
    this.#c = components;
    this.#mode = init.mode;
    this.#interval = init.intervalMs ?? 30_000;
    this.#maxAge = init.maxAgeS ?? 120;
    this.#rule = init.rule ?? isBrowserCircuitAddress;
    this.#maxTracked = init.maxTracked ?? 4096;
    this.#settle = init.settleMs ?? 1000;
    this.#fanout = init.fanout ?? DISCOVERY_FANOUT;
    if (!Number.isInteger(this.#fanout) || this.#fanout < 0) throw new RangeError('fanout must be an integer >= 0');
    this.#now = init.now ?? Date.now;
  }

  readonly [Symbol.toStringTag] = '@shh/browser-discovery';

  get mode(): 'announce' | 'forward' {
    return this.#mode;
  }

  start(): void {}

  afterStart(): void {
    if (this.#running) return;
    this.#running = true;
    const pubsub = this.#c.pubsub;
    pubsub.topicValidators.set(DISCOVERY_TOPIC, this.#validate);
    pubsub.subscribe(DISCOVERY_TOPIC);
    if (this.#mode !== 'announce') return sampleForwards(pubsub, DISCOVERY_TOPIC, this.#fanout || undefined);
    this.#c.events.addEventListener('self:peer:update', this.#soon);
    pubsub.addEventListener('subscription-change', this.#soon);
    this.#timer = setInterval(() => this.announce(), this.#interval);
    this.announce();
  }

  beforeStop(): void {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#timer);
    clearTimeout(this.#pending);
    this.#timer = this.#pending = undefined;
    this.#c.events.removeEventListener('self:peer:update', this.#soon);
    this.#c.pubsub.removeEventListener('subscription-change', this.#soon);
    this.#c.pubsub.unsubscribe(DISCOVERY_TOPIC);
    this.#c.pubsub.topicValidators.delete(DISCOVERY_TOPIC);
    if (this.#mode !== 'announce') sampleForwards(this.#c.pubsub, DISCOVERY_TOPIC, undefined);
  }

  stop(): void {}

  /** Our own addresses that may be announced: the rule's form, ending with our peer id (added if missing), at most 8. */
  ownAddresses(): Multiaddr[] {
    const self = this.#c.peerId.toString();
    return this.#c.addressManager
      .getAddresses()
      .map((ma) => (addressPeerId(ma) === undefined ? ma.encapsulate(`/p2p/${self}`) : ma))
      .filter((ma) => this.#rule(ma) && addressPeerId(ma) === self)
      .slice(0, MAX_ANNOUNCED_ADDRS);
  }

  /**
   * Publishes our addresses if we have any and someone listens on the topic. At most one per
   * second, because receivers accept only announcements newer than the last they saw.
   */
  announce(): boolean {
    if (!this.#running || this.#mode !== 'announce') return false;
    const addrs = this.ownAddresses();
    const at = Math.floor(this.#now() / 1000);
    if (addrs.length === 0 || at <= this.#lastAt) return false;
    if (this.#c.pubsub.getSubscribers(DISCOVERY_TOPIC).length === 0) return false;
    this.#lastAt = at;
    this.#c.pubsub.publish(DISCOVERY_TOPIC, encodeAnnouncement(at, addrs)).catch((e: unknown) => log('announcing failed (no subscribed neighbour yet?): %e', e));
    return true;
  }

  // A new circuit reservation or a neighbour that just subscribed: announce once things settle,
  // instead of leaving a newcomer to wait a whole interval.
  readonly #soon = (): void => {
    if (this.#pending !== undefined || !this.#running) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.announce();
    }, this.#settle);
  };

  readonly #validate: TopicValidatorFn = (_from, message) => {
    const verdict = this.check(message.data);
    this.safeDispatchEvent('verdict', { detail: verdict });
    if (verdict.kind === 'reject') return TopicValidatorResult.Reject;
    if (verdict.kind === 'ignore') return TopicValidatorResult.Ignore;
    if (this.#mode !== 'announce') return TopicValidatorResult.Accept;
    // A browser keeps what it heard and forwards nothing: relays spread announcements (sampled), and
    // browsers forwarding to each other over their direct links would flood every browser again.
    const a = verdict.announcement;
    if (a.peerId !== this.#c.peerId.toString()) this.safeDispatchEvent('candidate', { detail: a });
    return TopicValidatorResult.Ignore;
  };

  /** The verdict for one message, remembering accepted ones (a replay of the same or older is ignored). */
  check(data: Uint8Array): AnnouncementVerdict {
    const verdict = checkAnnouncement(data, { now: Math.floor(this.#now() / 1000), maxAgeS: this.#maxAge, rule: this.#rule });
    if (verdict.kind !== 'accept') return verdict;
    const { peerId, at } = verdict.announcement;
    const seen = this.#latest.get(peerId);
    if (seen !== undefined && at <= seen) return { kind: 'ignore', reason: 'stale' };
    this.#latest.delete(peerId);
    this.#latest.set(peerId, at);
    if (this.#latest.size > this.#maxTracked) this.#latest.delete(this.#latest.keys().next().value!);
    return verdict;
  }
}

/** The libp2p service factory; createWhisperNode adds it as `discovery` (after `pubsub`). */
export function browserDiscovery(init: DiscoveryInit): (components: DiscoveryComponents) => BrowserDiscovery {
  return (components) => new BrowserDiscovery(components, init);
}
