// The decoders a hostile peer or page reaches, as fuzz targets with valid samples built by
// the real encoders: envelope RLP, the gossip validator, sync frames, discovery announcements, the
// payload codec, both openers, and the rpc frame guards. Shared by test/fuzz and bench/fuzz.ts.

import { multiaddr } from '@multiformats/multiaddr';
import { decodeEnvelope, encodeEnvelope } from '../../src/core/envelope.ts';
import { openAsymmetric, openSymmetric, sealAsymmetric, sealSymmetric } from '../../src/core/message.ts';
import { decodePayload, encodePayload } from '../../src/core/payload.ts';
import { secp256k1Backend } from '../../src/core/secp256k1.ts';
import { encryptSymmetric } from '../../src/core/symmetric.ts';
import { validateEnvelope } from '../../src/core/validate.ts';
import { decodeAnnouncement, encodeAnnouncement } from '../../src/net/announcement.ts';
import { decodeFrame, encodeEnd, encodeEnvelopeFrame, encodeMark, encodeWant, ReconcileWriter } from '../../src/net/sync/codec.ts';
import { INFINITE_BOUND } from '../../src/net/sync/items.ts';
import { pageChannel } from '../../src/rpc/page-channel.ts';
import { isPeerFrame } from '../../src/rpc/peer.ts';
import { makeEnvelope, testBytes } from '../core/fixtures.ts';
import { bytesTarget, footprint, Rng, type Target } from './harness.ts';

const NOW = 1_700_000_000;
const rb = testBytes(7);

const envelopes = [
  makeEnvelope({ now: NOW }),
  makeEnvelope({ now: NOW, ttl: 3600, data: rb(300) }),
  makeEnvelope({ now: NOW - 30, ttl: 10, data: rb(1) }), // expired beyond the tolerance
  makeEnvelope({ now: NOW, data: new Uint8Array(0) }),
].map(encodeEnvelope);

function syncFrames(): Uint8Array[] {
  const w = new ReconcileWriter();
  w.skip({ expiry: NOW, prefix: rb(4) });
  w.fingerprint({ expiry: NOW + 60, prefix: rb(32) }, rb(16));
  w.ids({ expiry: NOW + 61, prefix: new Uint8Array(0) }, [rb(32), rb(32)]);
  w.fingerprint(INFINITE_BOUND, rb(16));
  return [w.finish(), encodeWant([rb(32), rb(32), rb(32)]), encodeWant([]), encodeEnvelopeFrame(envelopes[0]!), encodeEnd(), encodeMark()];
}

const R = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5';
const P = '12D3KooWLRPJAA5o6Z6ezxg2XU2RDA3X7Y3pELTS3M3c4YBJbJvr';
const circuit = (relay: string) => multiaddr(`${relay}/p2p/${R}/p2p-circuit/webrtc/p2p/${P}`);
const announcements = [
  encodeAnnouncement(NOW, [circuit('/ip4/127.0.0.1/tcp/9090/ws')]),
  encodeAnnouncement(NOW, [circuit('/ip4/10.0.0.1/tcp/443/tls/ws'), circuit('/dns4/relay.example.org/tcp/443/tls/ws')]),
];

const SYM_KEY = rb(32);
const PRIV = Uint8Array.from(rb(32), (x, i) => (i === 0 ? 1 : x)); // below the curve order
const PUB = secp256k1Backend().publicKey(PRIV)!;
const payloads = [
  encodePayload({ payload: rb(10) }, rb),
  encodePayload({ payload: rb(300), padding: rb(3) }, rb),
  encodePayload({ payload: new Uint8Array(0), signer: PRIV }, rb),
  encodePayload({ payload: rb(40), signer: PRIV }, rb),
];

const MAX_ENVELOPE = 1 << 20;
const policy = { minPow: 0.2, maxSize: MAX_ENVELOPE, now: NOW };

export function byteTargets(): Target<Uint8Array>[] {
  return [
    bytesTarget('decodeEnvelope', envelopes, decodeEnvelope),
    bytesTarget('validateEnvelope', envelopes, (b) => validateEnvelope(b, policy, () => false)),
    bytesTarget('decodeFrame (sync)', syncFrames(), (b) => decodeFrame(b, MAX_ENVELOPE)),
    bytesTarget('decodeAnnouncement', announcements, (b) => decodeAnnouncement(b)),
    bytesTarget('decodePayload', payloads, decodePayload),
    bytesTarget(
      'openSymmetric',
      payloads.map((p) => sealSymmetric({ payload: p }, SYM_KEY, rb)),
      (b) => openSymmetric(b, SYM_KEY),
    ),
    bytesTarget(
      'openAsymmetric',
      payloads.map((p) => sealAsymmetric({ payload: p }, PUB, rb)),
      (b) => openAsymmetric(b, PRIV),
    ),
    // Mutants must survive decryption to reach the payload parser: seal each mutant plaintext, then open.
    bytesTarget('openSymmetric (sealed mutant plaintext)', payloads, (b) => openSymmetric(encryptSymmetric(b, SYM_KEY, rb), SYM_KEY)),
  ];
}

// --- JSON-ish values for the rpc guards -------------------------------------------------------

const KEYS = ['kind', 'id', 'method', 'params', 'op', 'event', 'data', 'peerId', 'result', 'error', 'session', '__proto__', 'constructor', 'toString'];
const STRINGS = ['request', 'response', 'event', 'hello', 'keepalive', 'post', 'seal', 'envelope', 'status', 'shh_post', '', 'x'.repeat(129), '0x00'];
const NUMBERS = [0, 1, -1, 0.5, 2 ** 53, 2 ** 53 - 1, -0, NaN, Infinity, -Infinity, 4294967295];

export function jsonish(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 5 : 7)) {
    case 0:
      return rng.pick([null, undefined, true, false]);
    case 1:
      return rng.pick(NUMBERS);
    case 2:
      return rng.pick(STRINGS);
    case 3:
      return String.fromCharCode(...rng.bytes(rng.int(8)));
    case 4:
      return rng.int(2) ? rng.next() : -rng.next() / 7;
    case 5:
      return Array.from({ length: rng.int(4) }, () => jsonish(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = rng.int(8) === 0 ? Object.create(null) : {};
      for (let k = rng.int(5); k > 0; k--) Object.defineProperty(o, rng.pick(KEYS), { value: jsonish(rng, depth + 1), enumerable: true, writable: true, configurable: true });
      return o;
    }
  }
}

function mutateObject(rng: Rng, sample: unknown): unknown {
  const o: Record<string, unknown> = { ...(sample as Record<string, unknown>) };
  for (let k = 1 + rng.int(2); k > 0; k--) {
    const key = rng.pick([...Object.keys(o), ...KEYS]);
    if (rng.int(4) === 0) delete o[key];
    else Object.defineProperty(o, key, { value: jsonish(rng), enumerable: true, writable: true, configurable: true });
  }
  return o;
}

function guardTarget(name: string, samples: unknown[], guard: (x: unknown) => boolean): Target<unknown> {
  return {
    name,
    samples,
    random: (rng) => jsonish(rng),
    mutate: mutateObject,
    run: (x) => (guard(x) ? 'accept' : 'refused'),
    size: (x) => footprint(x),
  };
}

export function guardTargets(): Target<unknown>[] {
  return [
    guardTarget('pageChannel.isRequest', [{ kind: 'request', id: 1, method: 'shh_post', params: [{}] }, { kind: 'request', id: 0, method: 'shh_version' }], pageChannel.isRequest),
    guardTarget(
      'pageChannel.isResponse/isEvent',
      [
        { kind: 'response', id: 1, result: null },
        { kind: 'response', id: 2, error: { code: 4100, message: 'no' } },
        { kind: 'event', event: 'shh_subscription', data: { subscription: 'ab', result: {}, seq: 1 } },
        { kind: 'event', event: 'connect', data: { shhVersion: '6.0' } },
      ],
      (x) => pageChannel.isResponse(x) || pageChannel.isEvent(x),
    ),
    guardTarget(
      'isPeerFrame',
      [
        { kind: 'request', id: 3, op: 'post', params: { rlp: '0x00' } },
        { kind: 'response', id: 3, result: true },
        { kind: 'event', event: 'envelope', data: {} },
        { kind: 'hello', peerId: P },
        { kind: 'keepalive' },
      ],
      isPeerFrame,
    ),
  ];
}

export const allTargets = (): Target<unknown>[] => [...(byteTargets() as Target<unknown>[]), ...guardTargets()];
