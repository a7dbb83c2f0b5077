// Relay records (docs/RELAY.md "Scale out"): a relay's statement of the addresses it can be dialled
// at, signed with its libp2p identity, so a relay or a browser that knows one relay learns the others
// (and the mix layer's directory can ride on the same records). Wire form, RLP:
//   [publicKey, at, [addr, ...], signature]
// publicKey: the libp2p public key protobuf (it names the peer id); at: unix seconds when signed;
// addr: 1..8 multiaddr bytes without /p2p (the dialer appends /p2p/<id>), no circuit addresses;
// signature: over "/shh/6/relays/1.0.0" ‖ RLP([publicKey, at, [addr, ...]]). Decoding is strict
// (canonical RLP and multiaddrs, nothing trailing); only verifyRelayRecord makes a RelayRecord.

import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey, PublicKey } from '@libp2p/interface';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { concatBytes, equalBytes } from '../core/bytes.ts';
import { bytesToUint, decodeRlp, encodeRlp, uintToBytes, type RlpItem } from '../core/rlp.ts';

/** The request/response protocol relays exchange records on, and the signature's domain. */
export const RELAY_RECORD_PROTOCOL = '/shh/6/relays/1.0.0';
export const MAX_RECORD_ADDRS = 8;
/** Eight long dns addresses, an RSA key at most, and its signature fit. */
export const MAX_RECORD_BYTES = 4096;
/** A signer's clock more than this ahead is not believed (like envelopes, docs/PROTOCOL.md §1). */
export const RECORD_FUTURE_S = 10;

const DOMAIN = new TextEncoder().encode(RELAY_RECORD_PROTOCOL);

export interface RelayRecord {
  peerId: string;
  publicKey: PublicKey;
  /** Unix seconds when the relay signed it. */
  at: number;
  /** Transport addresses, without /p2p/<id>. */
  addrs: Multiaddr[];
  /** The signed wire bytes, passed on unchanged to others. */
  bytes: Uint8Array;
}

export class RelayRecordError extends Error {
  override readonly name = 'RelayRecordError';
}

const bad = (why: string): RelayRecordError => new RelayRecordError(`bad relay record: ${why}`);

/** An address a relay may put in its record: a direct transport address, no /p2p, no circuit. */
export function isRecordAddress(ma: Multiaddr): boolean {
  const names = ma.getComponents().map((c) => c.name);
  return names.length > 0 && !names.some((n) => n === 'p2p' || n === 'p2p-circuit' || n === 'webrtc' || n === 'webrtc-direct');
}

/** Strips a trailing /p2p/<id> (what libp2p appends to its own addresses). */
export function withoutPeerId(ma: Multiaddr): Multiaddr {
  const c = ma.getComponents();
  return c[c.length - 1]?.name === 'p2p' ? multiaddr(ma.toString().replace(/\/p2p\/[^/]+$/, '')) : ma;
}

function signedBytes(key: Uint8Array, at: number, addrs: readonly Uint8Array[]): Uint8Array {
  return concatBytes(DOMAIN, encodeRlp([key, uintToBytes(at), [...addrs]]));
}

/** Signs a record of `addrs` (after dropping /p2p suffixes) at `at` unix seconds. */
export async function signRelayRecord(privateKey: PrivateKey, at: number, addrs: readonly Multiaddr[]): Promise<Uint8Array> {
  if (!Number.isInteger(at) || at < 0 || at > 0xffffffff) throw new RangeError('at must be a uint32 of unix seconds');
  const list = addrs.map(withoutPeerId);
  if (list.length < 1 || list.length > MAX_RECORD_ADDRS) throw new RangeError(`addrs must hold 1..${MAX_RECORD_ADDRS} addresses`);
  for (const a of list) if (!isRecordAddress(a)) throw new RangeError(`address ${a.toString()} cannot be in a relay record`);
  const key = publicKeyToProtobuf(privateKey.publicKey);
  const raw = list.map((a) => a.bytes);
  const signature = await privateKey.sign(signedBytes(key, at, raw));
  const bytes = encodeRlp([key, uintToBytes(at), raw, signature]);
  if (bytes.length > MAX_RECORD_BYTES) throw new RangeError(`record above ${MAX_RECORD_BYTES} bytes`);
  return bytes;
}

export interface RecordPolicy {
  /** Now, unix seconds. */
  now: number;
  /** Records signed longer ago than this are stale. */
  maxAgeS: number;
}

export type RecordVerdict =
  | { kind: 'accept'; record: RelayRecord }
  | { kind: 'ignore'; reason: 'future' | 'stale' }
  | { kind: 'reject'; error: RelayRecordError };

/** Decodes and checks a record: strict form, a valid signature by the key it carries, a believable clock. */
export async function verifyRelayRecord(data: Uint8Array, policy: RecordPolicy): Promise<RecordVerdict> {
  let parts: { key: Uint8Array; at: number; raw: Uint8Array[]; addrs: Multiaddr[]; signature: Uint8Array; publicKey: PublicKey };
  try {
    parts = decode(data);
  } catch (e) {
    if (e instanceof RelayRecordError) return { kind: 'reject', error: e };
    return { kind: 'reject', error: bad(e instanceof Error ? e.message : String(e)) };
  }
  const ok = await parts.publicKey.verify(signedBytes(parts.key, parts.at, parts.raw), parts.signature);
  if (!ok) return { kind: 'reject', error: bad('signature does not verify') };
  if (parts.at > policy.now + RECORD_FUTURE_S) return { kind: 'ignore', reason: 'future' };
  if (parts.at < policy.now - policy.maxAgeS) return { kind: 'ignore', reason: 'stale' };
  const record: RelayRecord = {
    peerId: peerIdFromPublicKey(parts.publicKey).toString(),
    publicKey: parts.publicKey,
    at: parts.at,
    addrs: parts.addrs,
    bytes: data.slice(),
  };
  return { kind: 'accept', record };
}

function decode(data: Uint8Array) {
  if (data.length > MAX_RECORD_BYTES) throw bad(`longer than ${MAX_RECORD_BYTES} bytes`);
  const item: RlpItem = decodeRlp(data);
  if (!Array.isArray(item) || item.length !== 4) throw bad('not a list of four items');
  const [key, atItem, list, signature] = item;
  if (!(key instanceof Uint8Array) || !(atItem instanceof Uint8Array) || !(signature instanceof Uint8Array)) throw bad('key, at and signature must be strings');
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_RECORD_ADDRS) throw bad(`not 1..${MAX_RECORD_ADDRS} addresses`);
  let publicKey: PublicKey;
  try {
    publicKey = publicKeyFromProtobuf(key);
  } catch {
    throw bad('not a libp2p public key');
  }
  const at = Number(bytesToUint(atItem, 4, 'at'));
  const raw: Uint8Array[] = [];
  const addrs: Multiaddr[] = [];
  for (const a of list) {
    if (!(a instanceof Uint8Array)) throw bad('an address is not a string');
    let ma: Multiaddr;
    try {
      ma = multiaddr(a);
      if (!equalBytes(ma.bytes, a)) throw new Error('non-canonical');
    } catch {
      throw bad('an address is not a multiaddr');
    }
    if (!isRecordAddress(ma)) throw bad(`address ${ma.toString()} cannot be in a relay record`);
    raw.push(a);
    addrs.push(ma);
  }
  return { key, at, raw, addrs, signature, publicKey };
}
