// The Whisper v6 envelope (docs/PROTOCOL.md §1): RLP list [expiry, ttl, topic, data, nonce], its hash and size.
// Decoding is strict (canonical integers, a 4-byte topic, exactly five items, no trailing bytes) and
// copies out of the input, so a decoded envelope never aliases a caller's buffer.

import { ENVELOPE_HEADER_LENGTH, MAX_UINT32, TOPIC_LENGTH } from './constants.ts';
import { WhisperError } from './errors.ts';
import { keccak256 } from './keccak.ts';
import { bytesToUint, decodeRlp, encodeRlp, span, uintToBytes } from './rlp.ts';

/** What a sender fixes before sealing: everything but the nonce. */
export interface EnvelopeParams {
  readonly expiry: number; // uint32 seconds
  readonly ttl: number; // uint32 seconds
  readonly topic: Uint8Array; // 4 bytes
  readonly data: Uint8Array; // the encrypted payload (docs/PROTOCOL.md §2)
}

export interface Envelope extends EnvelopeParams {
  readonly nonce: bigint; // uint64
}

const bad = (why: string): never => {
  throw new WhisperError('bad-envelope', `envelope: ${why}`);
};

function checkParams(e: EnvelopeParams): void {
  if (!Number.isInteger(e.expiry) || e.expiry < 0 || e.expiry > MAX_UINT32)
    throw new RangeError('expiry must be a uint32');
  if (!Number.isInteger(e.ttl) || e.ttl < 0 || e.ttl > MAX_UINT32) throw new RangeError('ttl must be a uint32');
  if (!(e.topic instanceof Uint8Array) || e.topic.length !== TOPIC_LENGTH)
    throw new RangeError('topic must be 4 bytes');
  if (!(e.data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
}

/** RLP of [expiry, ttl, topic, data]: the part the proof of work covers (docs/PROTOCOL.md §1 `short`). */
export function encodeShort(e: EnvelopeParams): Uint8Array {
  checkParams(e);
  return encodeRlp([uintToBytes(e.expiry), uintToBytes(e.ttl), e.topic, e.data]);
}

export function encodeEnvelope(e: Envelope): Uint8Array {
  checkParams(e);
  if (typeof e.nonce !== 'bigint' || e.nonce < 0n || e.nonce > 0xffff_ffff_ffff_ffffn)
    throw new RangeError('nonce must be a uint64 bigint');
  return encodeRlp([uintToBytes(e.expiry), uintToBytes(e.ttl), e.topic, e.data, uintToBytes(e.nonce)]);
}

/** Strictly decodes one envelope's RLP. Throws WhisperError 'bad-rlp' or 'bad-envelope'. */
export function decodeEnvelope(rlp: Uint8Array): Envelope {
  if (!(rlp instanceof Uint8Array)) throw new TypeError('rlp must be a Uint8Array');
  const item = decodeRlp(rlp);
  if (!Array.isArray(item)) return bad('not a list');
  if (item.length !== 5) return bad(`expected 5 items, got ${item.length}`);
  const [expiry, ttl, topic, data, nonce] = item;
  for (const x of item) if (!(x instanceof Uint8Array)) return bad('items must be byte strings');
  const t = topic as Uint8Array;
  if (t.length !== TOPIC_LENGTH) return bad(`topic must be ${TOPIC_LENGTH} bytes, got ${t.length}`);
  return {
    expiry: Number(bytesToUint(expiry as Uint8Array, 4, 'expiry')),
    ttl: Number(bytesToUint(ttl as Uint8Array, 4, 'ttl')),
    topic: t,
    data: data as Uint8Array,
    nonce: bytesToUint(nonce as Uint8Array, 8, 'nonce'),
  };
}

/** Where the fields of a well-formed envelope's RLP lie; offsets index the scanned bytes. */
export interface EnvelopeLayout {
  readonly expiry: number;
  readonly ttl: number;
  /** First byte of the list's payload: the expiry item. */
  readonly bodyStart: number;
  readonly topicStart: number; // 4 bytes
  readonly dataStart: number;
  readonly dataEnd: number;
  /** First byte of the nonce item: [bodyStart, nonceItem) are the items `encodeShort` would write. */
  readonly nonceItem: number;
  /** The nonce's payload: canonical big-endian, 0 to 8 bytes. */
  readonly nonceStart: number;
}

function readUint32(b: Uint8Array, start: number, end: number, what: string): number {
  if (end - start > 4 || (end > start && b[start] === 0)) bytesToUint(b.subarray(start, end), 4, what); // throws
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + b[i]!;
  return v;
}

/**
 * The same strict checks as `decodeEnvelope`, without copying anything: offsets into `rlp`. Throws
 * exactly what `decodeEnvelope` throws for the same input (it runs it to get the error).
 */
export function scanEnvelope(rlp: Uint8Array): EnvelopeLayout {
  if (!(rlp instanceof Uint8Array)) throw new TypeError('rlp must be a Uint8Array');
  try {
    const list = span(rlp, 0, rlp.length);
    if (!list.list || list.end !== rlp.length) throw new Error('not a flat five-item list');
    const items = [];
    for (let pos = list.start; pos < list.end && items.length < 5; ) {
      const it = span(rlp, pos, list.end);
      if (it.list) throw new Error('nested list');
      items.push({ at: pos, start: it.start, end: it.end });
      pos = it.end;
    }
    const [e, t, topic, data, nonce] = items;
    if (!nonce || nonce.end !== list.end) throw new Error('not five items');
    if (topic!.end - topic!.start !== TOPIC_LENGTH) throw new Error('topic length');
    bytesToUint(rlp.subarray(nonce.start, nonce.end), 8, 'nonce');
    return {
      expiry: readUint32(rlp, e!.start, e!.end, 'expiry'),
      ttl: readUint32(rlp, t!.start, t!.end, 'ttl'),
      bodyStart: list.start,
      topicStart: topic!.start,
      dataStart: data!.start,
      dataEnd: data!.end,
      nonceItem: nonce.at,
      nonceStart: nonce.start,
    };
  } catch {
    // Malformed: the full decoder names the fault (and throws the matching WhisperError).
    decodeEnvelope(rlp);
    throw new Error('envelope: scan and decode disagree'); // unreachable while both are strict
  }
}

/** keccak256 of the full RLP: the envelope's identity everywhere (on keccak.ts's WebAssembly path). */
export const envelopeHash = (rlp: Uint8Array): Uint8Array => keccak256(rlp);

/** Size as geth counts it for the size limit and PoW policy: header 20 + len(data). */
export const envelopeSize = (e: EnvelopeParams): number => ENVELOPE_HEADER_LENGTH + e.data.length;

/** The time the envelope was sent: expiry - ttl (docs/PROTOCOL.md §1). */
export const envelopeTimestamp = (e: EnvelopeParams): number => e.expiry - e.ttl;
