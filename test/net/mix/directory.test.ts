import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { isMixError } from '../../../src/core/mix/errors.ts';
import { expBase } from '../../../src/core/mix/kdf.ts';
import { decodeRecordList, encodeRecordList, MixDirectory } from '../../../src/net/mix/directory.ts';
import { signKeyRecord } from '../../../src/net/mix/key-record.ts';
import { seeded } from '../../core/mix/helpers.ts';

const HOUR = 3_600_000;
const record = (id: PrivateKey, seed: string, notBefore: number) =>
  signKeyRecord(id, { mixKey: expBase(seeded(seed)(32)), notBefore, notAfter: notBefore + HOUR });

async function codeOf(f: () => unknown): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    if (isMixError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('mix directory', () => {
  it('keeps verified records, two keys per relay at most, drops expired ones, passes them on', async () => {
    let now = 10;
    const ids = await Promise.all([0, 1, 2].map(() => generateKeyPair('Ed25519')));
    const dir = new MixDirectory({ now: () => now });
    for (const [i, id] of ids.entries()) expect(await dir.add(await record(id, `k${i}`, 0))).toBe(true);
    expect(await dir.add(await record(ids[0]!, 'k0', 0))).toBe(false); // same key again
    expect(dir.records().length).toBe(3);
    // Relay 0 rotates twice: the oldest of its three keys goes.
    expect(await dir.add(await record(ids[0]!, 'k0b', 5))).toBe(true);
    expect(await dir.add(await record(ids[0]!, 'k0c', 8))).toBe(true);
    expect(await dir.add(await record(ids[0]!, 'k0-old', 1))).toBe(false);
    expect(dir.records().filter((r) => r.peerId.equals(dir.records()[0]!.peerId)).map((r) => r.notBefore)).toEqual([8, 5]);

    const copy = new MixDirectory({ now: () => now });
    expect(await copy.addAll(dir.encode())).toEqual({ added: 4, refused: [] });

    now = HOUR + 6; // everything from 0 and 5 has expired
    expect(dir.records().map((r) => r.notBefore)).toEqual([8]);
  });

  it('refuses bad records in a list one by one, and bounds the number of relays', async () => {
    const ids = await Promise.all([0, 1, 2].map(() => generateKeyPair('Ed25519')));
    const good = await record(ids[0]!, 'a', 0);
    const bad = (await record(ids[1]!, 'b', 0)).slice();
    bad[40]! ^= 1;
    const dir = new MixDirectory({ now: () => 1, maxRelays: 2 });
    expect(await dir.addAll(encodeRecordList([good, bad]))).toEqual({ added: 1, refused: ['bad-record'] });
    expect(await dir.add(await record(ids[1]!, 'b', 0))).toBe(true);
    const third = await record(ids[2]!, 'c', 0);
    expect(await codeOf(() => dir.add(third))).toBe('overloaded');
    expect(dir.records().length).toBe(2);
  });
});

describe('record list codec', () => {
  it('round trips and is strict', () => {
    const recs = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(100).fill(7)];
    const list = encodeRecordList(recs);
    expect(decodeRecordList(list)).toEqual(recs);
    for (const bad of [list.subarray(0, 1), list.subarray(0, list.length - 1), new Uint8Array([...list, 0]), new Uint8Array([0, 1, 0xff, 0xff])]) {
      expect(() => decodeRecordList(bad)).toThrowError(expect.objectContaining({ code: 'bad-record' }));
    }
  });
});
