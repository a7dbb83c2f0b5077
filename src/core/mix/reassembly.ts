// Puts an envelope's fragments back together at the exit. Bounded: partial messages expire after
// `ttlMs` and hold at most `maxBytes` together (the oldest partial is dropped to make room), so
// fragments that never complete cost a bounded amount of memory. A fragment that contradicts what
// came before under its id (another count, other bytes at an index) is refused; a duplicate is
// ignored. Invariant: a message of several fragments is handed out once, in the order its fragments
// were cut (a one-fragment message passes straight through; admission drops repeats by hash).

import { bytesToKey, equalBytes } from '../bytes.ts';
import { MixError } from './errors.ts';
import type { Fragment } from './fragment.ts';

export interface ReassemblerInit {
  now: () => number;
  maxBytes: number;
  ttlMs: number;
}

interface Partial {
  count: number;
  parts: Map<number, Uint8Array>;
  bytes: number;
  firstAt: number;
}

export class Reassembler {
  readonly #init: ReassemblerInit;
  readonly #partials = new Map<string, Partial>(); // insertion order = age
  #bytes = 0;

  constructor(init: ReassemblerInit) {
    if (!(init.maxBytes > 0) || !(init.ttlMs > 0)) throw new RangeError('maxBytes and ttlMs must be positive');
    this.#init = init;
  }

  /** Bytes held in partial messages. */
  get bytes(): number {
    return this.#bytes;
  }

  get pending(): number {
    return this.#partials.size;
  }

  /** Adds one fragment; returns the whole message when this fragment completes it. */
  add(f: Fragment): Uint8Array | undefined {
    if (f.count === 1) return f.data;
    this.#expire();
    const key = bytesToKey(f.id);
    let p = this.#partials.get(key);
    if (p && p.count !== f.count) throw new MixError('bad-fragment', 'fragment count differs from earlier fragments');
    const had = p?.parts.get(f.index);
    if (had) {
      if (!equalBytes(had, f.data)) throw new MixError('bad-fragment', 'fragment differs from an earlier one at its index');
      return undefined;
    }
    if (f.data.length > this.#init.maxBytes) throw new MixError('bad-fragment', 'fragment larger than the reassembly budget');
    if (!p) {
      p = { count: f.count, parts: new Map(), bytes: 0, firstAt: this.#init.now() };
      this.#partials.set(key, p);
    }
    p.parts.set(f.index, f.data);
    p.bytes += f.data.length;
    this.#bytes += f.data.length;
    if (p.parts.size === p.count) {
      this.#forget(key, p);
      const out = new Uint8Array(p.bytes);
      let o = 0;
      for (let i = 0; i < p.count; i++) {
        const d = p.parts.get(i)!;
        out.set(d, o);
        o += d.length;
      }
      return out;
    }
    // Over budget: drop the oldest partials, never the one just added to.
    for (const [k, q] of this.#partials) {
      if (this.#bytes <= this.#init.maxBytes) break;
      if (q !== p) this.#forget(k, q);
    }
    if (this.#bytes > this.#init.maxBytes) this.#forget(key, p);
    return undefined;
  }

  #expire(): void {
    const cutoff = this.#init.now() - this.#init.ttlMs;
    for (const [k, p] of this.#partials) {
      if (p.firstAt > cutoff) break;
      this.#forget(k, p);
    }
  }

  #forget(key: string, p: Partial): void {
    this.#partials.delete(key);
    this.#bytes -= p.bytes;
  }
}
