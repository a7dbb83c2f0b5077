// The fragment codec: an envelope's RLP cut into frame bodies the exit puts back together. Body
// layout (BODY_SIZE bytes): message id (16 random bytes) ‖ index u16 ‖ count u16 ‖ length u16 ‖
// data ‖ zero padding. Strict: index < count ≤ MAX_FRAGMENTS, every fragment but the last is full,
// no fragment is empty, the padding is zero. All fragments of one envelope must leave by one exit.

import { BODY_SIZE, FRAGMENT_DATA_SIZE, FRAGMENT_HEADER_SIZE, FRAGMENT_ID_SIZE, MAX_FRAGMENTS } from './constants.ts';
import { MixError } from './errors.ts';
import type { RandomBytes } from './packet.ts';

export interface Fragment {
  id: Uint8Array;
  index: number;
  count: number;
  data: Uint8Array;
}

/** How many frames an envelope of `length` bytes takes. */
export function fragmentCount(length: number): number {
  if (!Number.isSafeInteger(length) || length < 1) throw new RangeError('length must be a positive integer');
  return Math.ceil(length / FRAGMENT_DATA_SIZE);
}

/** Cuts `envelope` into frame bodies under one fresh message id. */
export function fragmentEnvelope(envelope: Uint8Array, randomBytes: RandomBytes): Uint8Array[] {
  if (!(envelope instanceof Uint8Array) || envelope.length === 0) throw new RangeError('envelope must be non-empty bytes');
  const count = fragmentCount(envelope.length);
  if (count > MAX_FRAGMENTS) throw new RangeError(`envelope needs ${count} frames, more than ${MAX_FRAGMENTS}`);
  const id = randomBytes(FRAGMENT_ID_SIZE);
  if (id.length !== FRAGMENT_ID_SIZE) throw new TypeError(`randomBytes(${FRAGMENT_ID_SIZE}) returned ${id.length} bytes`);
  const bodies: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const data = envelope.subarray(index * FRAGMENT_DATA_SIZE, (index + 1) * FRAGMENT_DATA_SIZE);
    bodies.push(encodeFragment({ id, index, count, data }));
  }
  return bodies;
}

export function encodeFragment(f: Fragment): Uint8Array {
  check(f);
  const body = new Uint8Array(BODY_SIZE);
  const v = new DataView(body.buffer, body.byteOffset, body.length);
  body.set(f.id);
  v.setUint16(FRAGMENT_ID_SIZE, f.index);
  v.setUint16(FRAGMENT_ID_SIZE + 2, f.count);
  v.setUint16(FRAGMENT_ID_SIZE + 4, f.data.length);
  body.set(f.data, FRAGMENT_HEADER_SIZE);
  return body;
}

export function decodeFragment(body: Uint8Array): Fragment {
  if (body.length !== BODY_SIZE) throw new MixError('bad-length', `fragment body must be ${BODY_SIZE} bytes`);
  const v = new DataView(body.buffer, body.byteOffset, body.length);
  const length = v.getUint16(FRAGMENT_ID_SIZE + 4);
  if (length > FRAGMENT_DATA_SIZE) throw new MixError('bad-fragment', `fragment length ${length} over ${FRAGMENT_DATA_SIZE}`);
  const f: Fragment = {
    id: body.slice(0, FRAGMENT_ID_SIZE),
    index: v.getUint16(FRAGMENT_ID_SIZE),
    count: v.getUint16(FRAGMENT_ID_SIZE + 2),
    data: body.slice(FRAGMENT_HEADER_SIZE, FRAGMENT_HEADER_SIZE + length),
  };
  try {
    check(f);
  } catch (err) {
    throw new MixError('bad-fragment', (err as Error).message);
  }
  if (!body.subarray(FRAGMENT_HEADER_SIZE + length).every((b) => b === 0)) throw new MixError('bad-fragment', 'fragment padding is not zero');
  return f;
}

function check(f: Fragment): void {
  if (f.id.length !== FRAGMENT_ID_SIZE) throw new RangeError(`fragment id must be ${FRAGMENT_ID_SIZE} bytes`);
  if (!Number.isInteger(f.count) || f.count < 1 || f.count > MAX_FRAGMENTS) throw new RangeError(`fragment count must be 1..${MAX_FRAGMENTS}`);
  if (!Number.isInteger(f.index) || f.index < 0 || f.index >= f.count) throw new RangeError('fragment index must be below its count');
  if (f.data.length < 1 || f.data.length > FRAGMENT_DATA_SIZE) throw new RangeError(`fragment data must be 1..${FRAGMENT_DATA_SIZE} bytes`);
  if (f.index < f.count - 1 && f.data.length !== FRAGMENT_DATA_SIZE) throw new RangeError('only the last fragment may be short');
}
