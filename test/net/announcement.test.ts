import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { multiaddr } from '@multiformats/multiaddr';
import { isWhisperError, type WhisperErrorCode } from '../../src/core/errors.ts';
import { encodeRlp, uintToBytes } from '../../src/core/rlp.ts';
import {
  checkAnnouncement,
  decodeAnnouncement,
  encodeAnnouncement,
  isBrowserCircuitAddress,
  MAX_ANNOUNCEMENT_BYTES,
} from '../../src/net/announcement.ts';

const R = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5';
const P = '12D3KooWLRPJAA5o6Z6ezxg2XU2RDA3X7Y3pELTS3M3c4YBJbJvr';
const Q = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';
const circuit = (peer = P, relay = '/ip4/127.0.0.1/tcp/9090/ws') => multiaddr(`${relay}/p2p/${R}/p2p-circuit/webrtc/p2p/${peer}`);

function code(f: () => unknown): WhisperErrorCode | undefined {
  try {
    f();
  } catch (e) {
    if (isWhisperError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('isBrowserCircuitAddress: only <relay>/p2p/<relay>/p2p-circuit/webrtc/p2p/<peer>', () => {
  it.each([
    [`/ip4/127.0.0.1/tcp/9090/ws/p2p/${R}/p2p-circuit/webrtc/p2p/${P}`, true],
    [`/dns4/relay.example.org/tcp/443/tls/ws/p2p/${R}/p2p-circuit/webrtc/p2p/${P}`, true],
    [`/ip4/127.0.0.1/tcp/9090/ws/p2p/${R}/p2p-circuit/p2p/${P}`, false], // relayed only, no WebRTC
    [`/ip4/127.0.0.1/tcp/9090/ws/p2p/${R}/p2p-circuit/webrtc`, false], // no peer id
    [`/p2p/${R}/p2p-circuit/webrtc/p2p/${P}`, false], // no transport to reach the relay
    [`/ip4/192.168.1.5/udp/4001/webrtc-direct/p2p/${P}`, false], // a direct address: where the browser is
    [`/ip4/1.2.3.4/tcp/1/ws/p2p/${R}/p2p-circuit/webrtc/p2p/${R}/p2p-circuit/webrtc/p2p/${P}`, false], // nested circuits
  ])('%s → %s', (a, ok) => {
    expect(isBrowserCircuitAddress(multiaddr(a))).toBe(ok);
  });
});

describe('announcement codec', () => {
  it('round-trips [at, addrs] and names the peer', () => {
    const addrs = [circuit(), circuit(P, '/dns4/relay.example.org/tcp/443/tls/ws')];
    const a = decodeAnnouncement(encodeAnnouncement(1_700_000_000, addrs));
    expect(a.at).toBe(1_700_000_000);
    expect(a.peerId).toBe(P);
    expect(a.addrs.map(String)).toEqual(addrs.map(String));
  });

  it('round-trips any at and 1..8 addresses (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 8 }), (at, n) => {
        const addrs = Array.from({ length: n }, (_, i) => circuit(P, `/ip4/10.0.0.${i + 1}/tcp/9090/ws`));
        const a = decodeAnnouncement(encodeAnnouncement(at, addrs));
        return a.at === at && a.addrs.length === n;
      }),
    );
  });

  const ok = circuit().bytes;
  const at = uintToBytes(1_700_000_000);
  it.each<[string, Uint8Array, WhisperErrorCode]>([
    ['not RLP', Uint8Array.of(0xc5, 0x01), 'bad-rlp'],
    ['trailing bytes', Uint8Array.of(...encodeRlp([at, [ok]]), 0), 'bad-rlp'],
    ['a string, not a list', encodeRlp(at), 'bad-announcement'],
    ['three items', encodeRlp([at, [ok], new Uint8Array()]), 'bad-announcement'],
    ['at is a list', encodeRlp([[at], [ok]]), 'bad-announcement'],
    ['at with a leading zero', encodeRlp([Uint8Array.of(0, 1), [ok]]), 'bad-rlp'],
    ['at longer than 4 bytes', encodeRlp([Uint8Array.of(1, 0, 0, 0, 0), [ok]]), 'bad-rlp'],
    ['no addresses', encodeRlp([at, []]), 'bad-announcement'],
    ['nine addresses', encodeRlp([at, Array.from({ length: 9 }, () => ok)]), 'bad-announcement'],
    ['an address is a list', encodeRlp([at, [[ok]]]), 'bad-announcement'],
    ['an address is not a multiaddr', encodeRlp([at, [Uint8Array.of(0xff, 0xff, 0xff)]]), 'bad-announcement'],
    ['an address with trailing bytes', encodeRlp([at, [Uint8Array.of(...ok, 0)]]), 'bad-announcement'],
    ['a direct address', encodeRlp([at, [multiaddr(`/ip4/8.8.8.8/tcp/443/tls/ws/p2p/${P}`).bytes]]), 'bad-announcement'],
    ['two peers in one announcement', encodeRlp([at, [ok, circuit(Q).bytes]]), 'bad-announcement'],
    ['above the size bound', new Uint8Array(MAX_ANNOUNCEMENT_BYTES + 1), 'bad-announcement'],
  ])('rejects %s', (_, bytes, expected) => {
    expect(code(() => decodeAnnouncement(bytes))).toBe(expected);
  });

  it('refuses to encode what it would not decode', () => {
    expect(() => encodeAnnouncement(-1, [circuit()])).toThrow(RangeError);
    expect(() => encodeAnnouncement(2 ** 32, [circuit()])).toThrow(RangeError);
    expect(() => encodeAnnouncement(1, [])).toThrow(RangeError);
    expect(() => encodeAnnouncement(1, Array.from({ length: 9 }, () => circuit()))).toThrow(RangeError);
  });
});

describe('checkAnnouncement: clock', () => {
  const now = 1_700_000_000;
  const msg = (at: number) => encodeAnnouncement(at, [circuit()]);
  it.each([
    [now, 'accept'],
    [now + 10, 'accept'],
    [now + 11, 'ignore'], // the sender's clock is ahead: not believed, not punished
    [now - 120, 'accept'],
    [now - 121, 'ignore'], // stale: a replay or a straggler
  ])('at %d → %s', (at, kind) => {
    expect(checkAnnouncement(msg(at), { now, maxAgeS: 120 }).kind).toBe(kind);
  });

  it('malformed is a reject carrying the error', () => {
    const v = checkAnnouncement(Uint8Array.of(1, 2, 3), { now, maxAgeS: 120 });
    expect(v.kind).toBe('reject');
    expect(v.kind === 'reject' && v.error.code).toBe('bad-rlp');
  });
});
