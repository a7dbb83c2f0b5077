// Forwards coalesced per neighbour: a wrapper around one @libp2p/gossipsub 17 instance that holds the
// messages bound for each neighbour for a short delay and sends them as ONE RPC (one length prefix,
// one yamux frame, one Noise frame), with each message's protobuf encoded once for every neighbour.
// Stock gossipsub encodes and sends one RPC per message per neighbour (forwardMessage, publish).
// Invariants: a message is never dropped or duplicated by the wrapper; an RPC that carries anything
// but messages (subscriptions, GRAFT/PRUNE/IHAVE/IWANT/IDONTWANT) first flushes that neighbour's held
// messages, so the neighbour sees the same order as without the wrapper; stop() flushes everything.
// Gossipsub 17 exposes no hook for this, so the wrapper replaces the instance's `sendRpc` and `stop`
// (plain methods in its dist code); test/net/coalesce.test.ts fails if a gossipsub upgrade moves them.

import { logger } from '@libp2p/logger';
import type { GossipSub } from '@libp2p/gossipsub';
import { RPC } from '@libp2p/gossipsub/message';

const log = logger('shh:net:coalesce');

export interface CoalesceInit {
  /**
   * How long a neighbour's first held message waits for company (ms). Each hop adds at most this to
   * a message's latency; the page-to-page goal (p50 under 100 ms, docs/BENCHMARKS.md) crosses two
   * hops. 0: held until the next macrotask, which only groups what one turn produced.
   */
  delayMs?: number;
  /** A neighbour whose held messages reach this many bytes is sent to at once. */
  maxBytes?: number;
}

export const COALESCE_DEFAULTS: Required<CoalesceInit> = { delayMs: 5, maxBytes: 64 * 1024 };

interface OutboundStream {
  push(data: Uint8Array): void;
}

/** The parts of gossipsub's dist class the wrapper relies on (private in its .d.ts, present at run time). */
interface Internals {
  streamsOutbound: Map<string, OutboundStream>;
  sendRpc(id: string, rpc: RPC): boolean;
  stop(): Promise<void>;
}

interface Held {
  parts: Uint8Array[];
  bytes: number;
}

/** Counters for benchmarks and tests. */
export interface CoalesceStats {
  /** Messages handed to the wrapper, one per neighbour they were bound for. */
  messages: number;
  /** RPCs the wrapper sent carrying them. */
  rpcs: number;
  /** Protobuf encodings of a message (one per distinct message, whatever the neighbours). */
  encodings: number;
}

const registry = new WeakMap<GossipSub, CoalesceStats>();

/** The counters of a wrapped gossipsub (undefined: not wrapped, the stock send path). */
export const coalesceStats = (pubsub: GossipSub): CoalesceStats | undefined => registry.get(pubsub);

const onlyMessages = (rpc: RPC): boolean =>
  rpc.messages.length > 0 && (rpc.subscriptions?.length ?? 0) === 0 && rpc.control === undefined;

/** `field 2, length-delimited` (RPC.messages), the varint length, then the message's bytes. */
function messageField(msg: RPC.Message): Uint8Array {
  const body = RPC.Message.encode(msg);
  let n = body.length;
  const len: number[] = [];
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const out = new Uint8Array(1 + len.length + body.length);
  out[0] = 0x12;
  out.set(len, 1);
  out.set(body, 1 + len.length);
  return out;
}

/** Wraps `pubsub` in place (once, right after gossipsub is built) and returns its counters. */
export function coalesceForwards(pubsub: GossipSub, init: CoalesceInit = {}): CoalesceStats {
  const { delayMs, maxBytes } = { ...COALESCE_DEFAULTS, ...init };
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError('coalesce delayMs must be a number >= 0');
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError('coalesce maxBytes must be a positive integer');
  const gs = pubsub as unknown as Internals;
  if (typeof gs.sendRpc !== 'function' || !(gs.streamsOutbound instanceof Map)) {
    throw new TypeError('coalesceForwards: this gossipsub has no sendRpc/streamsOutbound (version changed?)');
  }
  const sendRpc = gs.sendRpc.bind(gs);
  const stop = gs.stop.bind(gs);
  const stats: CoalesceStats = { messages: 0, rpcs: 0, encodings: 0 };
  registry.set(pubsub, stats);
  // Keyed by the message object: forwardMessage and publish hand the same object to every neighbour.
  const encoded = new WeakMap<RPC.Message, Uint8Array>();
  const held = new Map<string, Held>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const field = (msg: RPC.Message): Uint8Array => {
    let f = encoded.get(msg);
    if (f === undefined) {
      f = messageField(msg);
      encoded.set(msg, f);
      stats.encodings++;
    }
    return f;
  };

  const flushPeer = (id: string): void => {
    const h = held.get(id);
    if (h === undefined) return;
    held.delete(id);
    const stream = gs.streamsOutbound.get(id);
    if (stream === undefined) {
      log('neighbour %s left with %d held messages: dropped with its stream', id, h.parts.length);
      return;
    }
    const rpc = h.parts.length === 1 ? h.parts[0]! : new Uint8Array(h.bytes);
    if (h.parts.length > 1) {
      let at = 0;
      for (const p of h.parts) {
        rpc.set(p, at);
        at += p.length;
      }
    }
    try {
      stream.push(rpc);
      stats.rpcs++;
    } catch (e) {
      log.error('sending %d messages to %s failed: %e', h.parts.length, id, e);
    }
  };

  const flushAll = (): void => {
    timer = undefined;
    for (const id of [...held.keys()]) flushPeer(id);
  };

  gs.sendRpc = (id: string, rpc: RPC): boolean => {
    if (!onlyMessages(rpc)) {
      flushPeer(id);
      return sendRpc(id, rpc);
    }
    if (!gs.streamsOutbound.has(id)) return sendRpc(id, rpc); // logs and answers false, as before
    let h = held.get(id);
    if (h === undefined) held.set(id, (h = { parts: [], bytes: 0 }));
    for (const msg of rpc.messages) {
      const f = field(msg);
      h.parts.push(f);
      h.bytes += f.length;
      stats.messages++;
    }
    if (h.bytes >= maxBytes) flushPeer(id);
    else timer ??= setTimeout(flushAll, delayMs);
    return true;
  };

  gs.stop = async (): Promise<void> => {
    clearTimeout(timer);
    flushAll();
    await stop();
  };
  return stats;
}
