// Path selection for a mix client: up to MAX_HOPS relays from verified key records, different
// operators first where operators are known, and a fixed exit when the caller needs one (every
// fragment of an envelope must leave by the same exit). Relays on a path are distinct, except that
// the exit may be the entry again: a path that may never leave by its own entry would tell an
// observer that the sender is none of the exit's clients (`anyExit` draws the exit uniformly from
// every usable relay, the entry included). Fewer hops only when fewer usable relays exist, and then
// the result says so (`short`), so a caller can report it and never send less dark in silence.

import { bytesToKey, equalBytes } from '../../core/bytes.ts';
import { MAX_HOPS } from '../../core/mix/constants.ts';
import type { PathHop } from '../../core/mix/packet.ts';
import type { VerifiedKeyRecord } from './key-record.ts';
import { below, type RandomBytes } from './random.ts';

export interface PathChoice {
  path: PathHop[];
  /** Fewer hops than asked for, because fewer usable relays exist. */
  short: boolean;
  /** Usable relays (valid at `now`) the choice was made from. */
  available: number;
}

export interface PathOptions {
  randomBytes: RandomBytes;
  now: number;
  hops?: number;
  /** The first hop, by node id: a client's entry relay, the one it is connected to. */
  first?: Uint8Array;
  /** The last hop, by node id. Both must be among the valid records, else the path is empty. */
  exit?: Uint8Array;
  /** Without `exit`: draw the exit uniformly from every usable relay, the entry included. */
  anyExit?: boolean;
  /** Operator of a relay, where known: two relays of one operator are avoided on one path. */
  operatorOf?: (r: VerifiedKeyRecord) => string | undefined;
}

export function selectPath(records: readonly VerifiedKeyRecord[], o: PathOptions): PathChoice {
  const hops = o.hops ?? MAX_HOPS;
  if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS) throw new RangeError(`hops must be 1..${MAX_HOPS}`);
  // One record per relay (the freshest), valid now.
  const byNode = new Map<string, VerifiedKeyRecord>();
  for (const r of records) {
    if (o.now < r.notBefore || o.now > r.notAfter) continue;
    const k = bytesToKey(r.nodeId);
    const had = byNode.get(k);
    if (!had || had.notBefore < r.notBefore) byNode.set(k, r);
  }
  const usable = [...byNode.values()].sort((x, y) => (bytesToKey(x.nodeId) < bytesToKey(y.nodeId) ? -1 : 1));
  const exitId = o.exit ?? (o.anyExit && usable.length > 0 ? usable[below(o.randomBytes, usable.length)]!.nodeId : undefined);
  // The exit is the entry again: the path returns to it through distinct others.
  const backToEntry = o.first !== undefined && exitId !== undefined && equalBytes(o.first, exitId);
  const chosen: VerifiedKeyRecord[] = [];
  for (const id of [o.first, exitId]) {
    if (!id) continue;
    const r = byNode.get(bytesToKey(id));
    if (!r) return { path: [], short: true, available: usable.length };
    if (!chosen.includes(r)) chosen.push(r);
  }
  const fixed = chosen.length;
  const want = Math.min(backToEntry ? hops - 1 : hops, usable.length);
  const operators = new Set(chosen.map((r) => o.operatorOf?.(r)).filter((x) => x !== undefined));
  while (chosen.length < want) {
    const left = usable.filter((r) => !chosen.includes(r));
    const fresh = left.filter((r) => {
      const op = o.operatorOf?.(r);
      return op === undefined || !operators.has(op);
    });
    const pool = fresh.length > 0 ? fresh : left;
    const pick = pool[below(o.randomBytes, pool.length)]!;
    chosen.push(pick);
    const op = o.operatorOf?.(pick);
    if (op !== undefined) operators.add(op);
  }
  // The fixed hops were chosen first: the entry goes first and the exit last.
  const middle = chosen.slice(fixed);
  const entry = o.first ? [chosen[0]!] : [];
  const exit = exitId && !backToEntry ? [chosen[fixed - 1]!] : backToEntry && middle.length > 0 ? [chosen[0]!] : [];
  const ordered = [...entry, ...middle, ...exit];
  return {
    path: ordered.map((r) => ({ nodeId: r.nodeId, mixKey: r.mixKey })),
    short: ordered.length < hops,
    available: usable.length,
  };
}
