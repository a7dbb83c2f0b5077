import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { isMixError } from '../../../src/core/mix/errors.ts';
import { createFrame, peelFrame } from '../../../src/core/mix/packet.ts';
import { signKeyRecord, verifyKeyRecord } from '../../../src/net/mix/key-record.ts';
import { MixKeys } from '../../../src/net/mix/keys.ts';
import { nodeIdOf } from '../../../src/net/mix/node-id.ts';
import { seeded } from '../../core/mix/helpers.ts';

const HOUR = 3_600_000;
const GRACE = 600_000;

async function codeOf(f: () => unknown): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    if (isMixError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('mix keys: rotation and grace', () => {
  it('rotates each period and honours the old key for the grace period only', () => {
    let now = 10 * HOUR + 5;
    const keys = new MixKeys({ now: () => now, randomBytes: seeded('keys'), periodMs: HOUR, graceMs: GRACE, replayEntries: 100 });
    const first = keys.current();
    expect(first.notBefore).toBe(10 * HOUR);
    expect(first.notAfter).toBe(11 * HOUR + GRACE);
    const frame = () => createFrame({ path: [{ nodeId: new Uint8Array(32), mixKey: first.publicKey }], exit: { kind: 'drop' }, randomBytes: seeded(`f${now}`) }).frame;
    const early = frame();
    const late = frame().slice();
    now = 11 * HOUR; // rotated
    const second = keys.current();
    expect(second.publicKey).not.toEqual(first.publicKey);
    expect(keys.live().map((k) => k.epoch)).toEqual([11, 10]);
    expect(peelFrame(early, keys.live()).kind).toBe('drop'); // made before the rotation, within grace
    now = 11 * HOUR + GRACE + 1; // grace over
    expect(keys.live().map((k) => k.epoch)).toEqual([11]);
    expect(() => peelFrame(late, keys.live())).toThrowError(expect.objectContaining({ code: 'bad-mac' }));
  });
});

describe('mix key record', () => {
  it('signs, verifies and names the signer; refuses tampering, truncation, trailing bytes and expiry', async () => {
    const identity = await generateKeyPair('Ed25519');
    const mixKey = new MixKeys({ now: () => 5 * HOUR, randomBytes: seeded('rec'), periodMs: HOUR, graceMs: GRACE, replayEntries: 1 }).current();
    const rec = await signKeyRecord(identity, { mixKey: mixKey.publicKey, notBefore: mixKey.notBefore, notAfter: mixKey.notAfter });
    const v = await verifyKeyRecord(rec, 5 * HOUR + 1);
    expect(v.peerId.equals(peerIdFromPrivateKey(identity))).toBe(true);
    expect(v.nodeId).toEqual(nodeIdOf(v.peerId));
    expect(v.mixKey).toEqual(mixKey.publicKey);
    expect([v.notBefore, v.notAfter]).toEqual([5 * HOUR, 6 * HOUR + GRACE]);

    for (let i = 0; i < rec.length; i += 7) {
      const bad = rec.slice();
      bad[i]! ^= 1;
      expect(['bad-record', 'expired']).toContain(await codeOf(() => verifyKeyRecord(bad, 5 * HOUR + 1)));
    }
    expect(await codeOf(() => verifyKeyRecord(rec.subarray(0, rec.length - 1), 5 * HOUR))).toBe('bad-record');
    expect(await codeOf(() => verifyKeyRecord(new Uint8Array([...rec, 0]), 5 * HOUR))).toBe('bad-record');
    expect(await codeOf(() => verifyKeyRecord(rec, 5 * HOUR - 1))).toBe('expired');
    expect(await codeOf(() => verifyKeyRecord(rec, 6 * HOUR + GRACE + 1))).toBe('expired');
    const low = await signKeyRecord(identity, { mixKey: new Uint8Array(32), notBefore: 0, notAfter: 1 });
    expect(await codeOf(() => verifyKeyRecord(low, 0))).toBe('bad-record');
  });

  it('a record signed by another identity does not verify', async () => {
    const [one, two] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
    const f = { mixKey: new MixKeys({ now: () => 0, randomBytes: seeded('x'), periodMs: HOUR, graceMs: 0, replayEntries: 1 }).current().publicKey, notBefore: 0, notAfter: HOUR };
    const r1 = await signKeyRecord(one, f);
    const r2 = await signKeyRecord(two, f);
    // Splice one's identity key in front of two's signature (same lengths for Ed25519).
    const idEnd = r1.length - 66;
    const forged = new Uint8Array([...r1.subarray(0, idEnd), ...r2.subarray(idEnd)]);
    expect(await codeOf(() => verifyKeyRecord(forged, 1))).toBe('bad-record');
  });
});
