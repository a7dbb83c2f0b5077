// Lazy links for the envelope topic: Plumtree's eager/lazy push (Leitão, Pereira and Rodrigues,
// "Epidemic Broadcast Trees", 2007) built from what gossipsub 1.2 already carries, with nothing new
// on the wire. Gossipsub forwards every envelope to every mesh neighbour, so a peer with D
// neighbours receives each one several times (docs/BENCHMARKS.md "Bytes per peer per envelope").
//
// A link is pruned (made lazy) from both ends by the one event that shows it redundant: this node
// forwarded an envelope to a neighbour that had it from someone else first.
// - The sender learns it from the neighbour's IDONTWANT: gossipsub 1.2 says IDONTWANT(m) to every
//   mesh peer except the one it first had m from, so an IDONTWANT for an m this node sent means its
//   copy was a duplicate.
// - The receiver learns it from the duplicate itself.
// A forward to a lazy neighbour is held `lazyMs`. When it is due it is dropped if the neighbour has
// since said IDONTWANT (the usual case: it had the envelope along the eager links), and otherwise
// sent, and the link is grafted (eager again); the neighbour grafts its end when that copy reaches
// it first. As in Plumtree the eager links tend toward a tree that carries each envelope once to
// each peer (floods in flight at once prune links of one cycle together, so it is repaired often:
// docs/BENCHMARKS.md has the figures); a repair costs at most `lazyMs` per hop, never an envelope.
//
// Invariants: a forward is never lost, only held (a neighbour that leaves the mesh in the meantime
// is left to gossipsub's IHAVE gossip, as for any peer outside the mesh); this node's own posts and
// other topics are untouched; what a neighbour says or sends can make only the link between it and
// this node lazy, so a peer that lies delays only what it gets itself. State is bounded: recent
// forwards per neighbour, and at most MAX_HELD forwards held (beyond that they go at once).
// Gossipsub 17 has no hook for this: the wrapper replaces the instance's `forwardMessage`,
// `handleIdontwant`, `removePeer` and `stop` and its score's `duplicateMessage` (plain methods of its
// dist classes); test/net/lazy-links.test.ts fails if an upgrade moves them.

import type { GossipSub } from '@libp2p/gossipsub';
import type { RPC } from '@libp2p/gossipsub/message';
import { logger } from '@libp2p/logger';

const log = logger('shh:net:lazy-links');

export interface LazyLinksInit {
  /**
   * How long a forward to a lazy neighbour is held (ms) before it is sent, if the neighbour has not
   * said by then that it has the envelope. Each repair of the eager tree costs at most this much
   * latency per hop.
   */
  lazyMs?: number;
}

export const LAZY_DEFAULTS: Required<LazyLinksInit> = { lazyMs: 250 };

/** Forwards held at once, all neighbours together; beyond it a forward goes eagerly. */
const MAX_HELD = 4096;
/** Forwards remembered per neighbour to match its IDONTWANTs against. */
const SENT_PER_NEIGHBOUR = 512;

/** Counters for benchmarks and tests. */
export interface LazyLinkStats {
  /** Links made lazy (an envelope on them was a duplicate: said by IDONTWANT, or received here). */
  pruned: number;
  /** Links made eager again (a held forward was still needed). */
  grafted: number;
  /** Forwards held for a lazy neighbour. */
  held: number;
  /** Held forwards dropped: the neighbour had the envelope by then. */
  saved: number;
}

type RawMessage = RPC.Message;

interface Internals {
  mesh: Map<string, Set<string>>;
  idontwants: Map<string, Map<string, number>>;
  mcache: { msgs: Map<string, { message: RawMessage }> };
  msgIdToStrFn(id: Uint8Array): string;
  selectPeersToForward(topic: string, propagationSource?: string, excludePeers?: Set<string>): Set<string>;
  forwardMessage(msgIdStr: string, rawMsg: RawMessage, propagationSource?: string, excludePeers?: Set<string>): void;
  handleIdontwant(id: string, idontwant: Array<{ messageIDs?: Uint8Array[] }>): void;
  removePeer(peerId: { toString(): string }): void;
  sendRpc(id: string, rpc: RPC): boolean;
  stop(): Promise<void>;
  score: { duplicateMessage(from: string, msgIdStr: string, topic: string): void };
}

interface HeldForward {
  due: number;
  to: string;
  msgIdStr: string;
  msg: RawMessage;
}

const registry = new WeakMap<GossipSub, LazyLinkStats>();

/** The counters of a gossipsub with lazy links (undefined: every link eager, gossipsub as shipped). */
export const lazyLinkStats = (pubsub: GossipSub): LazyLinkStats | undefined => registry.get(pubsub);

/** Makes the links of `pubsub` on `topic` lazy when redundant (once, right after gossipsub is built). */
export function lazyLinks(pubsub: GossipSub, topic: string, init: LazyLinksInit = {}): LazyLinkStats {
  const { lazyMs } = { ...LAZY_DEFAULTS, ...init };
  if (!Number.isFinite(lazyMs) || lazyMs <= 0) throw new RangeError('lazy links: lazyMs must be a number > 0');
  const gs = pubsub as unknown as Internals;
  for (const m of ['forwardMessage', 'handleIdontwant', 'removePeer', 'selectPeersToForward', 'msgIdToStrFn', 'sendRpc', 'stop'] as const) {
    if (typeof gs[m] !== 'function') throw new TypeError(`lazyLinks: this gossipsub has no ${m} (version changed?)`);
  }
  if (typeof gs.score?.duplicateMessage !== 'function') throw new TypeError('lazyLinks: this gossipsub has no score.duplicateMessage (version changed?)');
  if (!(gs.idontwants instanceof Map) || !(gs.mesh instanceof Map) || !(gs.mcache?.msgs instanceof Map)) {
    throw new TypeError('lazyLinks: this gossipsub has no idontwants/mesh/mcache (version changed?)');
  }
  const forward = gs.forwardMessage.bind(gs);
  const handleIdontwant = gs.handleIdontwant.bind(gs);
  const duplicateMessage = gs.score.duplicateMessage.bind(gs.score);
  const removePeer = gs.removePeer.bind(gs);
  const stop = gs.stop.bind(gs);
  const stats: LazyLinkStats = { pruned: 0, grafted: 0, held: 0, saved: 0 };
  registry.set(pubsub, stats);

  const lazy = new Set<string>();
  /**
   * Per neighbour, the smallest envelope it has said IDONTWANT for: its threshold, as far as this node
   * can tell. Only links to neighbours that say it are pruned, and a forward is held only when it is
   * at least that size: a neighbour that never says IDONTWANT for it (a relay, whose threshold is
   * above real envelopes) could never stop a held forward, so it would wait for nothing.
   */
  const saysFrom = new Map<string, number>();
  /** Per neighbour: ids of envelopes forwarded to it lately, oldest first. */
  const sent = new Map<string, Set<string>>();
  /** Held forwards in due order (one lazyMs for all, so appending keeps the order). */
  let held: HeldForward[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const remember = (to: string, msgIdStr: string): void => {
    let s = sent.get(to);
    if (s === undefined) sent.set(to, (s = new Set()));
    s.add(msgIdStr);
    if (s.size > SENT_PER_NEIGHBOUR) s.delete(s.values().next().value!);
  };
  const hasIt = (to: string, msgIdStr: string): boolean => gs.idontwants.get(to)?.has(msgIdStr) === true;
  const prune = (id: string, why: string): void => {
    if (lazy.has(id) || !saysFrom.has(id)) return;
    lazy.add(id);
    stats.pruned++;
    log.trace('link to %s pruned: %s', id, why);
  };
  const graft = (id: string): void => {
    if (lazy.delete(id)) stats.grafted++;
  };

  /** Sends or drops the held forwards that are due (all of them at stop: `now` Infinity). */
  const release = (now = Date.now()): void => {
    timer = undefined;
    let i = 0;
    for (; i < held.length && held[i]!.due <= now; i++) {
      const h = held[i]!;
      if (hasIt(h.to, h.msgIdStr)) {
        stats.saved++;
        continue;
      }
      if (gs.mesh.get(topic)?.has(h.to) !== true) continue; // left the mesh: IHAVE gossip's turn
      graft(h.to);
      remember(h.to, h.msgIdStr);
      gs.sendRpc(h.to, { subscriptions: [], messages: [h.msg] });
    }
    held = i === held.length ? [] : held.slice(i);
    if (now !== Infinity) arm();
  };
  const arm = (): void => {
    if (timer !== undefined || held.length === 0) return;
    timer = setTimeout(() => release(), Math.max(0, held[0]!.due - Date.now()));
  };

  gs.forwardMessage = (msgIdStr, rawMsg, source, exclude) => {
    if (rawMsg.topic !== topic) return forward(msgIdStr, rawMsg, source, exclude);
    // The first copy came from `source`: the link carries the tree, so this end is eager too.
    if (source !== undefined) graft(source);
    const out = new Set(exclude);
    const due = Date.now() + lazyMs;
    const size = rawMsg.data?.length ?? 0;
    for (const to of gs.selectPeersToForward(topic, source, exclude)) {
      if (hasIt(to, msgIdStr)) continue; // gossipsub skips it too
      if (lazy.has(to) && size >= (saysFrom.get(to) ?? Infinity) && held.length < MAX_HELD) {
        out.add(to);
        held.push({ due, to, msgIdStr, msg: rawMsg });
        stats.held++;
      } else {
        remember(to, msgIdStr);
      }
    }
    arm();
    forward(msgIdStr, rawMsg, source, out);
  };

  gs.handleIdontwant = (id, idontwant) => {
    handleIdontwant(id, idontwant);
    const s = sent.get(id);
    let duplicate = false;
    for (const { messageIDs } of idontwant) {
      for (const msgId of messageIDs ?? []) {
        const msgIdStr = gs.msgIdToStrFn(msgId);
        const size = gs.mcache.msgs.get(msgIdStr)?.message.data?.length;
        if (size !== undefined && size < (saysFrom.get(id) ?? Infinity)) saysFrom.set(id, size);
        if (s?.delete(msgIdStr) === true) duplicate = true;
      }
    }
    if (duplicate) prune(id, 'it had an envelope we sent from elsewhere first');
  };

  gs.score.duplicateMessage = (from, msgIdStr, msgTopic) => {
    duplicateMessage(from, msgIdStr, msgTopic);
    if (msgTopic === topic) prune(from, 'it sent an envelope we had from elsewhere first');
  };

  gs.removePeer = (peerId) => {
    const id = peerId.toString();
    lazy.delete(id);
    saysFrom.delete(id);
    sent.delete(id);
    removePeer(peerId);
  };

  gs.stop = async () => {
    clearTimeout(timer);
    release(Infinity);
    await stop();
  };
  return stats;
}
