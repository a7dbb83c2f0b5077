// A mix key record: a relay's current X25519 mix key and its validity, signed with the relay's
// libp2p identity, so a client that knows one relay can learn and check the others' keys from
// whoever passes the records on. Layout (big-endian): mixKey (32) ‖ notBefore u64 ms ‖ notAfter u64 ms
// ‖ identity key length u16 ‖ identity public key (libp2p protobuf) ‖ signature length u16 ‖ signature.
// The signature covers DOMAIN ‖ everything before the signature length. Strict: exact lengths, no
// trailing bytes, a low-order mix key refused, expiry checked against an injected now.

import type { PeerId, PrivateKey } from '@libp2p/interface';
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import { concatBytes } from '../../core/bytes.ts';
import { GROUP_ELEMENT_SIZE } from '../../core/mix/constants.ts';
import { MixError } from '../../core/mix/errors.ts';
import { exp } from '../../core/mix/kdf.ts';
import { nodeIdOf } from './node-id.ts';

const DOMAIN = new TextEncoder().encode('shh/6/mix key record\n');
/** Bounds the identity key and signature (an RSA-4096 key and signature fit). */
export const MAX_KEY_RECORD_SIZE = 2048;
const FIXED = GROUP_ELEMENT_SIZE + 8 + 8;

export interface KeyRecordFields {
  mixKey: Uint8Array;
  notBefore: number;
  notAfter: number;
}

export interface VerifiedKeyRecord extends KeyRecordFields {
  peerId: PeerId;
  nodeId: Uint8Array;
}

function body(f: KeyRecordFields, identity: Uint8Array): Uint8Array {
  const out = new Uint8Array(FIXED + 2 + identity.length);
  const v = new DataView(out.buffer);
  out.set(f.mixKey);
  v.setBigUint64(GROUP_ELEMENT_SIZE, BigInt(f.notBefore));
  v.setBigUint64(GROUP_ELEMENT_SIZE + 8, BigInt(f.notAfter));
  v.setUint16(FIXED, identity.length);
  out.set(identity, FIXED + 2);
  return out;
}

export async function signKeyRecord(identity: PrivateKey, f: KeyRecordFields): Promise<Uint8Array> {
  if (f.mixKey.length !== GROUP_ELEMENT_SIZE) throw new RangeError(`mixKey must be ${GROUP_ELEMENT_SIZE} bytes`);
  for (const t of [f.notBefore, f.notAfter]) if (!Number.isSafeInteger(t) || t < 0) throw new RangeError('validity must be safe non-negative integers (ms)');
  if (f.notAfter <= f.notBefore) throw new RangeError('notAfter must be after notBefore');
  const b = body(f, publicKeyToProtobuf(identity.publicKey));
  const sig = await identity.sign(concatBytes(DOMAIN, b));
  const tail = new Uint8Array(2 + sig.length);
  new DataView(tail.buffer).setUint16(0, sig.length);
  tail.set(sig, 2);
  const out = concatBytes(b, tail);
  if (out.length > MAX_KEY_RECORD_SIZE) throw new RangeError('identity key too large for a mix key record');
  return out;
}

const bad = (why: string): MixError => new MixError('bad-record', `mix key record: ${why}`);

/** Decodes and checks a record; `now` (ms) must lie in [notBefore, notAfter]. */
export async function verifyKeyRecord(record: Uint8Array, now: number): Promise<VerifiedKeyRecord> {
  if (!(record instanceof Uint8Array)) throw new TypeError('record must be bytes');
  if (record.length > MAX_KEY_RECORD_SIZE) throw bad('too large');
  if (record.length < FIXED + 2) throw bad('truncated');
  const v = new DataView(record.buffer, record.byteOffset, record.length);
  const idLen = v.getUint16(FIXED);
  const sigAt = FIXED + 2 + idLen;
  if (record.length < sigAt + 2) throw bad('truncated');
  const sigLen = v.getUint16(sigAt);
  if (record.length !== sigAt + 2 + sigLen) throw bad('length does not match its fields');
  const nb = v.getBigUint64(GROUP_ELEMENT_SIZE);
  const na = v.getBigUint64(GROUP_ELEMENT_SIZE + 8);
  if (nb > BigInt(Number.MAX_SAFE_INTEGER) || na > BigInt(Number.MAX_SAFE_INTEGER) || na <= nb) throw bad('bad validity');
  const mixKey = record.slice(0, GROUP_ELEMENT_SIZE);
  try {
    exp(new Uint8Array(32).fill(1), mixKey);
  } catch {
    throw bad('mix key of low order');
  }
  let peerId: PeerId;
  let verified: boolean;
  try {
    const identity = publicKeyFromProtobuf(record.subarray(FIXED + 2, sigAt));
    peerId = peerIdFromPublicKey(identity);
    verified = await identity.verify(concatBytes(DOMAIN, record.subarray(0, sigAt)), record.subarray(sigAt + 2));
  } catch (err) {
    throw bad(`identity key or signature does not decode (${(err as Error).message})`);
  }
  if (!verified) throw bad('signature does not verify');
  const notBefore = Number(nb);
  const notAfter = Number(na);
  if (now < notBefore || now > notAfter) throw new MixError('expired', 'mix key record outside its validity');
  return { mixKey, notBefore, notAfter, peerId, nodeId: nodeIdOf(peerId) };
}
