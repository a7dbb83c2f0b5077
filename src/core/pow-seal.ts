// Sealing an envelope with proof of work in one thread (docs/PROTOCOL.md §1, geth 1.9 semantics): target 0 means
// no work and nonce 0; otherwise nonces from `startNonce` are tried in batches until pow >= target or
// the time budget (checked between batches, on the injected clock) runs out. Used inside workers.

import type { Envelope, EnvelopeParams } from './envelope.ts';
import { encodeShort } from './envelope.ts';
import { WhisperError } from './errors.ts';
import { powFromZeros, zerosForTarget } from './pow.ts';
import { createPowKernel, type PowKernel } from './pow-kernel.ts';

export interface PowProgress {
  readonly hashes: number;
  readonly bestPow: number;
  readonly elapsedMs: number;
}

export interface SealOptions {
  /** The pow to reach (docs/PROTOCOL.md §1); 0 = no work. */
  readonly target: number;
  /** Time budget in milliseconds (geth's powTime, in ms). */
  readonly timeMs: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: PowProgress) => void;
  readonly now?: () => number;
  readonly startNonce?: bigint;
  /** Defaults to the WebAssembly kernel, else noble. */
  readonly kernel?: PowKernel;
  /** Aimed duration of one batch; the batch size adapts to the measured rate. */
  readonly batchMs?: number;
}

const U64 = 0xffff_ffff_ffff_ffffn;
const MIN_BATCH = 256;
const MAX_BATCH = 1 << 24;

export const powTimeoutError = (timeMs: number): WhisperError =>
  new WhisperError(
    'pow-timeout',
    `failed to reach the PoW target, specified pow time (${timeMs / 1000} seconds) was insufficient`,
  );

export const abortedError = (): WhisperError => new WhisperError('aborted', 'proof of work aborted');

/** Next batch size so that one batch takes about `batchMs`, given the last one's rate. */
export function nextBatchSize(count: number, elapsedMs: number, batchMs: number): number {
  const next = elapsedMs > 0 ? Math.round((count * batchMs) / elapsedMs) : count * 2;
  // At most doubling per step: one lucky fast measurement must not produce a batch of seconds.
  return Math.max(MIN_BATCH, Math.min(MAX_BATCH, count * 2, next));
}

export function checkSealOptions(opts: SealOptions): void {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('options must be an object');
  if (typeof opts.target !== 'number' || !(opts.target >= 0) || !Number.isFinite(opts.target))
    throw new RangeError('target must be a finite number >= 0');
  if (typeof opts.timeMs !== 'number' || !(opts.timeMs >= 0)) throw new RangeError('timeMs must be a number >= 0');
  const s = opts.startNonce;
  if (s !== undefined && (typeof s !== 'bigint' || s < 0n || s > U64))
    throw new RangeError('startNonce must be a uint64 bigint');
}

/** The batches of one seal; yields after each so a caller can pause between them. */
function* sealSteps(params: EnvelopeParams, opts: SealOptions): Generator<void, Envelope> {
  checkSealOptions(opts);
  const short = encodeShort(params);
  if (opts.target === 0) return { ...params, nonce: 0n };
  if (opts.signal?.aborted) throw abortedError();
  const now = opts.now ?? (() => performance.now());
  const batchMs = opts.batchMs ?? 25;
  const kernel = opts.kernel ?? createPowKernel();
  const zeros = zerosForTarget(opts.target, short.length, params.ttl);
  kernel.load(short);
  const started = now();
  let nonce = opts.startNonce ?? 0n;
  let count = 1024;
  let hashes = 0;
  let best = -1;
  while (now() - started < opts.timeMs) {
    const t = now();
    const r = kernel.search(nonce, count, zeros);
    const elapsed = now() - t;
    hashes += r.found ? Number(((r.nonce - nonce) & U64) + 1n) : count;
    best = Math.max(best, r.zeros);
    opts.onProgress?.({ hashes, bestPow: powFromZeros(best, short.length, params.ttl), elapsedMs: now() - started });
    if (r.found) return { ...params, nonce: r.nonce };
    nonce = (nonce + BigInt(count)) & U64;
    count = nextBatchSize(count, elapsed, batchMs);
    yield;
    if (opts.signal?.aborted) throw abortedError();
  }
  throw powTimeoutError(opts.timeMs);
}

/** Seals synchronously (the signal is checked between batches): for workers. */
export function sealEnvelope(params: EnvelopeParams, opts: SealOptions): Envelope {
  const steps = sealSteps(params, opts);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/** Seals in this thread, yielding to the event loop between batches so an abort can land. */
export async function sealEnvelopeAsync(params: EnvelopeParams, opts: SealOptions): Promise<Envelope> {
  const steps = sealSteps(params, opts);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
