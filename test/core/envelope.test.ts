import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import {
  decodeEnvelope,
  encodeEnvelope,
  encodeShort,
  envelopeHash,
  envelopeSize,
  envelopeTimestamp,
  scanEnvelope,
  type Envelope,
} from '../../src/core/envelope.ts';
import { isWhisperError } from '../../src/core/errors.ts';

const h = (s: string) => fromHex(s, false);
const vector = { expiry: 0, ttl: 1, topic: h('00000000'), data: h('deadbeef') };

describe('envelope: docs/PROTOCOL.md §6 known answers', () => {
  it('short form of the public vector', () => {
    expect(toHex(encodeShort(vector), false)).toBe('cc8001840000000084deadbeef');
  });
  it('full RLP and hash with nonce 276', () => {
    const rlp = encodeEnvelope({ ...vector, nonce: 276n });
    expect(toHex(rlp, false)).toBe('cf8001840000000084deadbeef820114');
    expect(toHex(envelopeHash(rlp), false)).toBe('300e63ed3c7a65d646006bd8f92ed35851ac71038f39912186f66bcb8003413f');
    expect(decodeEnvelope(rlp)).toEqual({ ...vector, nonce: 276n });
  });
  it('size, timestamp', () => {
    expect(envelopeSize(vector)).toBe(24);
    expect(envelopeTimestamp({ ...vector, expiry: 1000, ttl: 60 })).toBe(940);
  });
});

const arbEnvelope: fc.Arbitrary<Envelope> = fc.record({
  expiry: fc.integer({ min: 0, max: 0xffffffff }),
  ttl: fc.integer({ min: 0, max: 0xffffffff }),
  topic: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  data: fc.uint8Array({ maxLength: 600 }),
  nonce: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
});

describe('envelope: round trips', () => {
  it('decode(encode(e)) = e, and re-encoding is byte-identical', () => {
    fc.assert(
      fc.property(arbEnvelope, (e) => {
        const rlp = encodeEnvelope(e);
        const d = decodeEnvelope(rlp);
        expect(d).toEqual(e);
        expect(encodeEnvelope(d)).toEqual(rlp);
      }),
    );
  });
  it('decodes from a subarray view with a byte offset and does not alias it', () => {
    fc.assert(
      fc.property(arbEnvelope, fc.uint8Array({ minLength: 1, maxLength: 9 }), (e, pad) => {
        const rlp = encodeEnvelope(e);
        const big = new Uint8Array(pad.length + rlp.length + pad.length);
        big.set(pad);
        big.set(rlp, pad.length);
        big.set(pad, pad.length + rlp.length);
        const d = decodeEnvelope(big.subarray(pad.length, pad.length + rlp.length));
        expect(d).toEqual(e);
        big.fill(0xaa);
        expect(d).toEqual(e);
      }),
    );
  });
  it('any byte string that decodes re-encodes to itself (canonical form only)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let d: Envelope;
        try {
          d = decodeEnvelope(bytes);
        } catch (e) {
          expect(isWhisperError(e)).toBe(true);
          return;
        }
        expect(encodeEnvelope(d)).toEqual(bytes);
      }),
      { numRuns: 5000 },
    );
  });
});

// Hostile inputs: each must be refused with a WhisperError of the stated code.
const hostile: [string, string, 'bad-rlp' | 'bad-envelope'][] = [
  ['empty input', '', 'bad-rlp'],
  ['truncated list', 'cf8001840000000084deadbeef8201', 'bad-rlp'],
  ['trailing byte', 'cf8001840000000084deadbeef82011400', 'bad-rlp'],
  ['not a list', '84deadbeef', 'bad-envelope'],
  ['four items', 'cc8001840000000084deadbeef', 'bad-envelope'],
  ['six items', 'd08001840000000084deadbeef82011480', 'bad-envelope'],
  ['3-byte topic', 'ce80018300000084deadbeef820114', 'bad-envelope'],
  ['5-byte topic', 'd080018500000000 0084deadbeef820114'.replace(' ', ''), 'bad-envelope'],
  ['nested list as data', 'cb80018400000000c0820114', 'bad-envelope'],
  ['expiry with leading zero', 'd0820000018400000000 84deadbeef820114'.replace(' ', ''), 'bad-rlp'],
  ['nonce with leading zero', 'd08001840000000084deadbeef83000114', 'bad-rlp'],
  ['ttl as 0x00 instead of 0x80', 'cf0001840000000084deadbeef820114', 'bad-rlp'],
  ['single byte wrapped in a header', 'd0808101840000000084deadbeef820114', 'bad-rlp'],
  ['expiry longer than 4 bytes', 'd4850100000000018400000000 84deadbeef820114'.replace(' ', ''), 'bad-rlp'],
  ['nonce longer than 8 bytes', 'd78001840000000084deadbeef89010000000000000000', 'bad-rlp'],
  ['long-form length for a short string', 'd08001840000000084deadbeefb8020114'.replace('b8020114', 'b802') + '0114', 'bad-rlp'],
  ['list length past the end', 'ff', 'bad-rlp'],
  ['list header with leading zero length', 'f90005' + '8001840000000084deadbeef820114', 'bad-rlp'],
];

describe('envelope: hostile inputs', () => {
  it.each(hostile)('%s', (_name, hex, code) => {
    let err: unknown;
    try {
      decodeEnvelope(h(hex));
    } catch (e) {
      err = e;
    }
    expect(isWhisperError(err, code)).toBe(true);
  });
  it('an oversized length header is refused without allocating', () => {
    // claims a 4 GiB string inside a tiny buffer
    expect(() => decodeEnvelope(h('c6bbffffffff00'))).toThrow(/rlp/);
  });
  it('misuse is a TypeError / RangeError', () => {
    expect(() => decodeEnvelope('00' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => encodeEnvelope({ ...vector, topic: h('0000'), nonce: 0n })).toThrow(RangeError);
    expect(() => encodeEnvelope({ ...vector, nonce: -1n })).toThrow(RangeError);
    expect(() => encodeEnvelope({ ...vector, ttl: 2 ** 32, nonce: 0n })).toThrow(RangeError);
  });
});

/** What scanEnvelope says about `rlp`, as decodeEnvelope's shape, or the error it throws. */
function scanned(rlp: Uint8Array): Envelope | string {
  try {
    const l = scanEnvelope(rlp);
    let nonce = 0n;
    for (const b of rlp.subarray(l.nonceStart)) nonce = (nonce << 8n) | BigInt(b);
    return { expiry: l.expiry, ttl: l.ttl, topic: rlp.slice(l.topicStart, l.topicStart + 4), data: rlp.slice(l.dataStart, l.dataEnd), nonce };
  } catch (e) {
    return isWhisperError(e) ? `${e.code}: ${e.message}` : String(e);
  }
}
function decoded(rlp: Uint8Array): Envelope | string {
  try {
    return decodeEnvelope(rlp);
  } catch (e) {
    return isWhisperError(e) ? `${e.code}: ${e.message}` : String(e);
  }
}

describe('scanEnvelope: the copy-free reading agrees with decodeEnvelope', () => {
  it('on every envelope, with offsets into the input (a subarray too)', () => {
    fc.assert(
      fc.property(arbEnvelope, fc.integer({ min: 0, max: 7 }), (e, pad) => {
        const rlp = encodeEnvelope(e);
        const big = new Uint8Array(pad + rlp.length);
        big.set(rlp, pad);
        const view = big.subarray(pad);
        expect(scanned(view)).toEqual(e);
        const l = scanEnvelope(view);
        expect(view.subarray(l.bodyStart, l.nonceItem)).toEqual(encodeShort(e).subarray(encodeShort(e).length - (l.nonceItem - l.bodyStart)));
      }),
    );
  });
  it.each(hostile)('hostile: %s gives the same error', (_name, hex) => {
    expect(scanned(h(hex))).toEqual(decoded(h(hex)));
  });
  it('on any bytes and on mutations of valid envelopes: the same envelope or the same error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(scanned(b)).toEqual(decoded(b));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(arbEnvelope, fc.nat(), fc.integer({ min: 0, max: 255 }), (e, at, byte) => {
        const rlp = encodeEnvelope(e);
        rlp[at % rlp.length] = byte;
        expect(scanned(rlp)).toEqual(decoded(rlp));
      }),
      { numRuns: 3000 },
    );
  });
});
