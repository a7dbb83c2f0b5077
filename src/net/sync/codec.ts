// Frames of `/shh/6/sync/1.0.0` (docs/PROTOCOL.md §3; byte layout in docs/SYNC.md): version ‖ type ‖ payload.
// Decoding is strict and bounded: every count is checked against the bytes left and against the caps
// in constants.ts before anything is allocated; bounds must strictly increase; no trailing bytes.
import {
  HASH_LENGTH,
  MAX_UINT32,
  SYNC_FINGERPRINT_LENGTH,
  SYNC_MAX_IDS,
  SYNC_MAX_MESSAGE_BYTES,
  SYNC_MAX_RANGES,
  SYNC_VERSION,
} from '../../core/constants.ts';
import { WhisperError } from '../../core/errors.ts';
import { compareBounds, INFINITY, type Bound } from './items.ts';
import { decodeVarint, encodeVarint, varintLength } from './varint.ts';

export const FRAME_RECONCILE = 0;
export const FRAME_WANT = 1;
export const FRAME_ENVELOPE = 2;
export const FRAME_END = 3;
export const FRAME_MARK = 4;

const MODE_SKIP = 0;
const MODE_FINGERPRINT = 1;
const MODE_IDS = 2;

export type Range =
  | { readonly upper: Bound; readonly mode: 'skip' }
  | { readonly upper: Bound; readonly mode: 'fingerprint'; readonly fingerprint: Uint8Array }
  | { readonly upper: Bound; readonly mode: 'ids'; readonly ids: readonly Uint8Array[] };

export type Frame =
  | { readonly type: 'reconcile'; readonly ranges: readonly Range[] }
  | { readonly type: 'want'; readonly ids: readonly Uint8Array[] }
  | { readonly type: 'envelope'; readonly rlp: Uint8Array }
  | { readonly type: 'end' }
  | { readonly type: 'mark' };

const bad = (msg: string): WhisperError => new WhisperError('bad-sync', msg);

/** Largest bound on the wire: expiry varint (5) + prefix length (1) + prefix (32). */
export const MAX_BOUND_BYTES = 5 + 1 + HASH_LENGTH;

/**
 * Builds one reconcile frame, tracking its exact size so callers can stay under a budget.
 * Bound expiries are delta-encoded against the previous bound, as negentropy does.
 */
export class ReconcileWriter {
  readonly #parts: Uint8Array[] = [Uint8Array.of(SYNC_VERSION, FRAME_RECONCILE)];
  #size = 2;
  #prevExpiry = 0;
  ranges = 0;
  idCount = 0;

  get size(): number {
    return this.#size;
  }

  #push(b: Uint8Array): void {
    this.#parts.push(b);
    this.#size += b.length;
  }

  #bound(b: Bound): void {
    if (b.expiry === INFINITY) {
      this.#push(encodeVarint(0));
    } else {
      this.#push(encodeVarint(1 + b.expiry - this.#prevExpiry));
      this.#prevExpiry = b.expiry;
    }
    this.#push(encodeVarint(b.prefix.length));
    this.#push(b.prefix);
    this.ranges++;
  }

  skip(upper: Bound): void {
    this.#bound(upper);
    this.#push(encodeVarint(MODE_SKIP));
  }

  fingerprint(upper: Bound, fp: Uint8Array): void {
    this.#bound(upper);
    this.#push(encodeVarint(MODE_FINGERPRINT));
    this.#push(fp);
  }

  ids(upper: Bound, ids: readonly Uint8Array[]): void {
    this.#bound(upper);
    this.#push(encodeVarint(MODE_IDS));
    this.#push(encodeVarint(ids.length));
    for (const id of ids) this.#push(id);
    this.idCount += ids.length;
  }

  /** Bytes an id list of n ids adds, bound included (worst case). */
  static idsCost(n: number): number {
    return MAX_BOUND_BYTES + 1 + varintLength(n) + n * HASH_LENGTH;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#size);
    let o = 0;
    for (const p of this.#parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export function encodeWant(ids: readonly Uint8Array[]): Uint8Array {
  if (ids.length > SYNC_MAX_IDS) throw new RangeError(`ids: at most ${SYNC_MAX_IDS} per frame`);
  const count = encodeVarint(ids.length);
  const out = new Uint8Array(2 + count.length + ids.length * HASH_LENGTH);
  out[0] = SYNC_VERSION;
  out[1] = FRAME_WANT;
  out.set(count, 2);
  let o = 2 + count.length;
  for (const id of ids) {
    if (id.length !== HASH_LENGTH) throw new TypeError(`ids: each must be ${HASH_LENGTH} bytes`);
    out.set(id, o);
    o += HASH_LENGTH;
  }
  return out;
}

export function encodeEnvelopeFrame(rlp: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + rlp.length);
  out[0] = SYNC_VERSION;
  out[1] = FRAME_ENVELOPE;
  out.set(rlp, 2);
  return out;
}

export const encodeEnd = (): Uint8Array => Uint8Array.of(SYNC_VERSION, FRAME_END);
/** Batch boundary of an envelope stream: the receiver answers with a mark once it has processed the batch. */
export const encodeMark = (): Uint8Array => Uint8Array.of(SYNC_VERSION, FRAME_MARK);

/** Reads `count` ids as views into `buf`, after checking they fit in what is left. */
function readIds(buf: Uint8Array, pos: number, count: number, what: string): [Uint8Array[], number] {
  if (count > SYNC_MAX_IDS) throw bad(`${what}: ${count} ids, at most ${SYNC_MAX_IDS}`);
  if (count * HASH_LENGTH > buf.length - pos) throw bad(`${what}: ${count} ids do not fit in the frame`);
  const ids: Uint8Array[] = new Array(count);
  for (let i = 0; i < count; i++) ids[i] = buf.subarray(pos + i * HASH_LENGTH, pos + (i + 1) * HASH_LENGTH);
  return [ids, pos + count * HASH_LENGTH];
}

function decodeRanges(buf: Uint8Array, start: number): Range[] {
  const ranges: Range[] = [];
  let pos = start;
  let prevExpiry = 0;
  let prev: Bound = { expiry: 0, prefix: new Uint8Array(0) };
  let totalIds = 0;
  while (pos < buf.length) {
    if (prev.expiry === INFINITY) throw bad('range after the end bound');
    if (ranges.length >= SYNC_MAX_RANGES) throw bad(`more than ${SYNC_MAX_RANGES} ranges`);
    let delta: number;
    [delta, pos] = decodeVarint(buf, pos, 'bound expiry');
    let expiry = INFINITY;
    if (delta !== 0) {
      expiry = prevExpiry + delta - 1;
      if (expiry > MAX_UINT32) throw bad('bound expiry beyond uint32');
      prevExpiry = expiry;
    }
    let plen: number;
    [plen, pos] = decodeVarint(buf, pos, 'bound prefix length');
    if (plen > HASH_LENGTH) throw bad(`bound prefix of ${plen} bytes, at most ${HASH_LENGTH}`);
    if (expiry === INFINITY && plen !== 0) throw bad('end bound with a prefix');
    if (plen > buf.length - pos) throw bad('truncated bound prefix');
    const upper: Bound = { expiry, prefix: buf.subarray(pos, pos + plen) };
    pos += plen;
    if (compareBounds(upper, prev) <= 0) throw bad('ranges out of order');
    prev = upper;
    let mode: number;
    [mode, pos] = decodeVarint(buf, pos, 'range mode');
    if (mode === MODE_SKIP) {
      ranges.push({ upper, mode: 'skip' });
    } else if (mode === MODE_FINGERPRINT) {
      if (SYNC_FINGERPRINT_LENGTH > buf.length - pos) throw bad('truncated fingerprint');
      ranges.push({ upper, mode: 'fingerprint', fingerprint: buf.subarray(pos, pos + SYNC_FINGERPRINT_LENGTH) });
      pos += SYNC_FINGERPRINT_LENGTH;
    } else if (mode === MODE_IDS) {
      let count: number;
      [count, pos] = decodeVarint(buf, pos, 'id count');
      totalIds += count;
      if (totalIds > SYNC_MAX_IDS) throw bad(`more than ${SYNC_MAX_IDS} ids in one message`);
      let ids: Uint8Array[];
      [ids, pos] = readIds(buf, pos, count, 'id list');
      ranges.push({ upper, mode: 'ids', ids });
    } else {
      throw bad(`unknown range mode ${mode}`);
    }
  }
  return ranges;
}

/**
 * Decodes one frame. `maxEnvelopeBytes` caps an envelope frame's RLP; every other frame is capped at
 * SYNC_MAX_MESSAGE_BYTES. Returned ids and RLP are views into `buf`: copy them to keep them.
 */
export function decodeFrame(buf: Uint8Array, maxEnvelopeBytes: number): Frame {
  if (buf.length < 2) throw bad('truncated frame header');
  if (buf[0] !== SYNC_VERSION) throw bad(`unknown sync version ${buf[0]}`);
  const type = buf[1];
  if (type === FRAME_ENVELOPE) {
    const rlp = buf.subarray(2);
    if (rlp.length === 0) throw bad('empty envelope frame');
    if (rlp.length > maxEnvelopeBytes) throw bad(`envelope frame of ${rlp.length} bytes, at most ${maxEnvelopeBytes}`);
    return { type: 'envelope', rlp };
  }
  if (buf.length > SYNC_MAX_MESSAGE_BYTES) throw bad(`frame of ${buf.length} bytes, at most ${SYNC_MAX_MESSAGE_BYTES}`);
  if (type === FRAME_RECONCILE) return { type: 'reconcile', ranges: decodeRanges(buf, 2) };
  if (type === FRAME_WANT) {
    const [count, pos] = decodeVarint(buf, 2, 'want count');
    const [ids, end] = readIds(buf, pos, count, 'want');
    if (end !== buf.length) throw bad('trailing bytes after want list');
    return { type: 'want', ids };
  }
  if (type === FRAME_END || type === FRAME_MARK) {
    if (buf.length !== 2) throw bad('trailing bytes after end or mark');
    return { type: type === FRAME_END ? 'end' : 'mark' };
  }
  throw bad(`unknown frame type ${type}`);
}
