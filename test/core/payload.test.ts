import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { isWhisperError } from '../../src/core/errors.ts';
import { decodePayload, encodePayload, paddingLength, sizeFieldLength } from '../../src/core/payload.ts';
import { errorCode } from './fixtures.ts';
import { publicKeyOf, recoverPublicKey } from '../../src/core/signature.ts';

const signer = new Uint8Array(32).fill(0x42);
const signerPub = publicKeyOf(signer);

const code = errorCode;

describe('payload: docs/PROTOCOL.md §6 padding lengths', () => {
  it.each([
    [3, false, 251],
    [3, true, 186],
    [253, false, 1],
    [254, false, 256],
    [188, true, 1],
    [189, true, 256],
    [0, false, 254],
    [255, false, 255], // derived: raw 257
    [256, false, 253], // derived: 2-byte size field, raw 1 + 2 + 256 = 259
  ])('payload %i signed=%s -> %i bytes of padding', (n, signed, want) => {
    expect(paddingLength(n, signed)).toBe(want);
    const plain = encodePayload({ payload: new Uint8Array(n), ...(signed ? { signer } : {}) }, randomBytes);
    expect(plain.length % 256).toBe(0);
    expect(decodePayload(plain).padding.length).toBe(want);
  });
  it('size field length switches at 256 and 65536, and is written even for an empty payload', () => {
    expect([0, 255, 256, 65535, 65536, 0xffffff].map(sizeFieldLength)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(() => sizeFieldLength(0x1000000)).toThrow(RangeError);
    expect(() => sizeFieldLength(-1)).toThrow(RangeError);
    const empty = encodePayload({ payload: new Uint8Array(0) }, randomBytes);
    expect([...empty.subarray(0, 2)]).toEqual([1, 0]);
    const big = encodePayload({ payload: new Uint8Array(0x10203) }, randomBytes);
    expect([...big.subarray(0, 4)]).toEqual([3, 0x03, 0x02, 0x01]);
  });
  it('given padding is used as is, empty padding means random', () => {
    const plain = encodePayload({ payload: Uint8Array.of(9), padding: Uint8Array.of(7, 7) }, randomBytes);
    expect([...plain]).toEqual([1, 1, 9, 7, 7]);
    expect(encodePayload({ payload: Uint8Array.of(9), padding: new Uint8Array(0) }, randomBytes).length).toBe(256);
  });
  it('signs keccak256 of everything before the signature, with the signed flag already set', () => {
    const plain = encodePayload({ payload: Uint8Array.of(1, 2, 3), padding: Uint8Array.of(4), signer }, randomBytes);
    expect(plain.length).toBe(1 + 1 + 3 + 1 + 65);
    expect(plain[0]).toBe(0x05);
    expect(plain[70]).toBeLessThanOrEqual(1);
    expect(recoverPublicKey(keccak_256(plain.subarray(0, 6)), plain.subarray(6))).toEqual(signerPub);
  });
});

const arbParams = fc.record(
  {
    payload: fc.uint8Array({ maxLength: 700 }),
    padding: fc.uint8Array({ maxLength: 40 }),
    signed: fc.boolean(),
  },
  { requiredKeys: ['payload', 'signed'] },
);

describe('payload: round trips', () => {
  it('decode(encode(p)) gives back payload, padding and signer', () => {
    fc.assert(
      fc.property(arbParams, ({ payload, padding, signed }) => {
        const plain = encodePayload({ payload, ...(padding ? { padding } : {}), ...(signed ? { signer } : {}) }, randomBytes);
        const d = decodePayload(plain);
        expect(d.payload).toEqual(payload);
        if (padding && padding.length > 0) expect(d.padding).toEqual(padding);
        else expect(plain.length % 256).toBe(0);
        expect(d.signer).toEqual(signed ? signerPub : undefined);
        expect(d.signature?.length).toBe(signed ? 65 : undefined);
      }),
      { numRuns: 200 },
    );
  });
  it('decodes a subarray view with a byte offset and returns copies', () => {
    const plain = encodePayload({ payload: Uint8Array.of(5, 6, 7), signer }, randomBytes);
    const big = new Uint8Array(plain.length + 10).fill(0xee);
    big.set(plain, 3);
    const d = decodePayload(big.subarray(3, 3 + plain.length));
    expect(d.payload).toEqual(Uint8Array.of(5, 6, 7));
    expect(d.signer).toEqual(signerPub);
    big.fill(0);
    expect(d.payload).toEqual(Uint8Array.of(5, 6, 7));
  });
  it('any byte string either decodes within bounds or fails with a WhisperError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 90 }), (bytes) => {
        try {
          const d = decodePayload(bytes);
          expect(d.payload.length + d.padding.length).toBeLessThan(bytes.length);
        } catch (e) {
          expect(isWhisperError(e)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('payload: hostile plaintexts', () => {
  const signedPlain = encodePayload({ payload: Uint8Array.of(1, 2, 3), padding: Uint8Array.of(9), signer }, randomBytes);
  const tampered = signedPlain.slice();
  tampered[3] = tampered[3]! ^ 1;
  const badV = signedPlain.slice();
  badV[badV.length - 1] = 27;
  const zeroR = signedPlain.slice();
  zeroR.fill(0, 6, 38);
  it.each<[string, Uint8Array, string]>([
    ['empty', new Uint8Array(0), 'bad-payload'],
    ['flags only, size field missing', Uint8Array.of(1), 'bad-payload'],
    ['2-byte size field cut short', Uint8Array.of(2, 5), 'bad-payload'],
    ['size past the data', Uint8Array.of(1, 3, 0xaa, 0xbb), 'bad-payload'],
    ['3-byte size pointing far away', Uint8Array.of(3, 0xff, 0xff, 0xff, 0), 'bad-payload'],
    ['signed flag with fewer than 65 bytes', Uint8Array.of(5, 0, ...new Uint8Array(40)), 'bad-payload'],
    ['signed flag with exactly 66 bytes (no room for a size field)', Uint8Array.of(5, ...new Uint8Array(65)), 'bad-payload'],
    ['size field overlapping the signature', Uint8Array.of(5, 2, 0, ...new Uint8Array(65)), 'bad-payload'],
    ['recovery id 27', badV, 'bad-signature'],
    ['r = 0', zeroR, 'bad-signature'],
  ])('%s -> %s', (_name, bytes, want) => {
    expect(code(() => decodePayload(bytes))).toBe(want);
  });
  it('a tampered signed payload recovers a different signer, never the real one', () => {
    const r = (() => {
      try {
        return decodePayload(tampered).signer;
      } catch (e) {
        expect(isWhisperError(e, 'bad-signature')).toBe(true);
        return undefined;
      }
    })();
    expect(r).not.toEqual(signerPub);
  });
  it('accepts what geth accepts: a zero-length size field (empty payload), unknown flag bits', () => {
    expect(decodePayload(Uint8Array.of(0, 1, 2))).toEqual({ payload: new Uint8Array(0), padding: Uint8Array.of(1, 2) });
    expect(decodePayload(Uint8Array.of(0xf1, 1, 9))).toEqual({ payload: Uint8Array.of(9), padding: new Uint8Array(0) });
  });
  it('misuse throws TypeError / RangeError naming the parameter', () => {
    expect(() => encodePayload({ payload: 'x' as unknown as Uint8Array }, randomBytes)).toThrow(/payload/);
    expect(() => encodePayload({ payload: new Uint8Array(1), signer: new Uint8Array(31) }, randomBytes)).toThrow(RangeError);
    expect(() => encodePayload({ payload: new Uint8Array(1) }, () => new Uint8Array(3))).toThrow(RangeError);
    expect(code(() => encodePayload({ payload: new Uint8Array(1), signer: new Uint8Array(32) }, randomBytes))).toBe('bad-key');
    expect(() => decodePayload([1, 0] as unknown as Uint8Array)).toThrow(TypeError);
  });
});
