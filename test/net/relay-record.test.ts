// Relay records (src/net/relay-record.ts): signed by the relay's libp2p key, strict to decode, and
// refused when tampered with, stale, from the future, or naming addresses a relay cannot have.
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import { decodeRlp, encodeRlp, uintToBytes, type RlpItem } from '../../src/core/rlp.ts';
import { MAX_RECORD_ADDRS, signRelayRecord, verifyRelayRecord, withoutPeerId } from '../../src/net/relay-record.ts';

const NOW = 1_800_000_000;
const policy = { now: NOW, maxAgeS: 3600 };
const addrs = [multiaddr('/dns4/relay.example.org/tcp/443/tls/ws'), multiaddr('/ip4/203.0.113.7/tcp/9090/ws')];

describe('relay records', () => {
  it('round trip: the peer id comes from the key in the record, addresses without /p2p', async () => {
    for (const type of ['Ed25519', 'secp256k1'] as const) {
      const key = await generateKeyPair(type);
      const id = peerIdFromPrivateKey(key).toString();
      const bytes = await signRelayRecord(key, NOW, addrs.map((a) => a.encapsulate(`/p2p/${id}`)));
      const v = await verifyRelayRecord(bytes, policy);
      if (v.kind !== 'accept') throw new Error(JSON.stringify(v));
      expect(v.record.peerId).toBe(id);
      expect(v.record.at).toBe(NOW);
      expect(v.record.addrs.map(String)).toEqual(addrs.map(String));
      expect(v.record.bytes).toEqual(bytes);
    }
  });

  it('tampered: another address, another time, another key, a flipped signature bit: rejected', async () => {
    const key = await generateKeyPair('Ed25519');
    const other = await generateKeyPair('Ed25519');
    const bytes = await signRelayRecord(key, NOW, addrs);
    const [k, at, list, sig] = decodeRlp(bytes) as [Uint8Array, Uint8Array, Uint8Array[], Uint8Array];
    const variants: RlpItem[] = [
      [k, at, [multiaddr('/ip4/198.51.100.1/tcp/9090/ws').bytes], sig],
      [k, uintToBytes(NOW + 1), list, sig],
      [publicKeyToProtobuf(other.publicKey), at, list, sig],
      [k, at, list, sig.map((b, i) => (i === 0 ? b ^ 1 : b))],
    ];
    for (const v of variants) expect(await verifyRelayRecord(encodeRlp(v), policy)).toMatchObject({ kind: 'reject', error: { message: /signature does not verify/ } });
  });

  it('strict form: garbage, extra items, trailing bytes, no or too many addresses, circuit or /p2p addresses', async () => {
    const key = await generateKeyPair('Ed25519');
    const bytes = await signRelayRecord(key, NOW, addrs);
    const [k, at, list, sig] = decodeRlp(bytes) as [Uint8Array, Uint8Array, Uint8Array[], Uint8Array];
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array([1, 2, 3]), /./],
      [encodeRlp([k, at, list, sig, sig]), /four items/],
      [new Uint8Array([...bytes, 0]), /./],
      [encodeRlp([k, at, [], sig]), /1\.\.8 addresses/],
      [encodeRlp([k, at, Array(MAX_RECORD_ADDRS + 1).fill(list[0]!), sig]), /1\.\.8 addresses/],
      [encodeRlp([k, at, [multiaddr('/ip4/1.2.3.4/tcp/1/ws/p2p/12D3KooWSgkfQVAoLiBTgfyi3N1tQ9jxr7ZqxEBqdRgmi8j4Abqw/p2p-circuit').bytes], sig]), /cannot be in a relay record/],
      [encodeRlp([k, at, [new Uint8Array([0xff, 0xff])], sig]), /not a multiaddr/],
      [encodeRlp([new Uint8Array([1, 2]), at, list, sig]), /not a libp2p public key/],
    ];
    for (const [data, why] of cases) {
      const v = await verifyRelayRecord(data, policy);
      expect(v.kind).toBe('reject');
      if (v.kind === 'reject') expect(v.error.message).toMatch(why);
    }
    await expect(signRelayRecord(key, NOW, [multiaddr('/ip4/1.2.3.4/tcp/1/ws/p2p/12D3KooWSgkfQVAoLiBTgfyi3N1tQ9jxr7ZqxEBqdRgmi8j4Abqw/p2p-circuit')])).rejects.toThrow(RangeError);
    await expect(signRelayRecord(key, NOW, [])).rejects.toThrow(RangeError);
  });

  it('clock: stale beyond maxAgeS and more than 10 s ahead are ignored, not rejected', async () => {
    const key = await generateKeyPair('Ed25519');
    expect(await verifyRelayRecord(await signRelayRecord(key, NOW - 3601, addrs), policy)).toEqual({ kind: 'ignore', reason: 'stale' });
    expect(await verifyRelayRecord(await signRelayRecord(key, NOW + 11, addrs), policy)).toEqual({ kind: 'ignore', reason: 'future' });
    expect((await verifyRelayRecord(await signRelayRecord(key, NOW + 10, addrs), policy)).kind).toBe('accept');
  });

  it('withoutPeerId drops only a trailing /p2p', () => {
    expect(withoutPeerId(multiaddr('/ip4/1.2.3.4/tcp/9/ws/p2p/12D3KooWSgkfQVAoLiBTgfyi3N1tQ9jxr7ZqxEBqdRgmi8j4Abqw')).toString()).toBe('/ip4/1.2.3.4/tcp/9/ws');
    expect(withoutPeerId(multiaddr('/ip4/1.2.3.4/tcp/9/ws')).toString()).toBe('/ip4/1.2.3.4/tcp/9/ws');
  });
});
