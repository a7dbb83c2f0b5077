// Sampled forwarding for one gossipsub topic: a message accepted on it is forwarded to at most
// `fanout` of the peers gossipsub would send it to (all mesh peers but the source), taken in rotation
// so that every neighbour gets its share. Browser discovery (discovery.ts, docs/PROTOCOL.md §3.6) uses
// it on relays: a relay meshes with all its browsers, so forwarding each announcement to the whole mesh
// cost N copies per announcement, N² in all; sampled, a browser hears about `fanout` others per
// announcement interval and the relay's cost grows with N. Other topics are untouched.
// Gossipsub 17 has no per-topic fanout option: the wrapper replaces the instance's `forwardMessage`
// (a plain method of its dist class) and narrows the peers through its `excludePeers` argument.

import type { GossipSub } from '@libp2p/gossipsub';

interface Internals {
  forwardMessage(msgIdStr: string, rawMsg: { topic: string }, propagationSource?: string, excludePeers?: Set<string>): void;
  selectPeersToForward(topic: string, propagationSource?: string, excludePeers?: Set<string>): Set<string>;
}

interface Sampling {
  fanout: Map<string, number>;
  cursor: number;
  forwarded: number;
}

const wrapped = new WeakMap<GossipSub, Sampling>();

/** Forwards of `topic` go to at most `fanout` peers from now on (undefined: every peer again). */
export function sampleForwards(pubsub: GossipSub, topic: string, fanout: number | undefined): void {
  if (fanout !== undefined && (!Number.isInteger(fanout) || fanout < 1)) throw new RangeError('fanout must be a positive integer');
  let s = wrapped.get(pubsub);
  if (s === undefined) {
    const gs = pubsub as unknown as Internals;
    if (typeof gs.forwardMessage !== 'function' || typeof gs.selectPeersToForward !== 'function') {
      throw new TypeError('sampleForwards: this gossipsub has no forwardMessage/selectPeersToForward (version changed?)');
    }
    const sampling: Sampling = (s = { fanout: new Map(), cursor: 0, forwarded: 0 });
    wrapped.set(pubsub, sampling);
    const forward = gs.forwardMessage.bind(gs);
    gs.forwardMessage = (msgIdStr, rawMsg, source, exclude) => {
      const k = sampling.fanout.get(rawMsg.topic);
      if (k === undefined) return forward(msgIdStr, rawMsg, source, exclude);
      const all = [...gs.selectPeersToForward(rawMsg.topic, source, exclude)];
      const out = new Set(exclude);
      if (all.length > k) {
        const start = sampling.cursor % all.length;
        sampling.cursor = (sampling.cursor + k) % Number.MAX_SAFE_INTEGER;
        for (let i = 0; i < all.length; i++) if ((i - start + all.length) % all.length >= k) out.add(all[i]!);
      }
      sampling.forwarded += Math.min(k, all.length);
      forward(msgIdStr, rawMsg, source, out);
    };
  }
  if (fanout === undefined) s.fanout.delete(topic);
  else s.fanout.set(topic, fanout);
}

/** Copies sent by sampled forwards so far (tests, benchmarks); 0 when never wrapped. */
export const sampledForwards = (pubsub: GossipSub): number => wrapped.get(pubsub)?.forwarded ?? 0;
