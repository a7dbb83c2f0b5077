// Layer 1-3 for docs/PROTOCOL.md §2 as a whole: seal/open round trips and hostile data, then both directions
// against @waku/message-encryption, whose "version 1" payloads are the same bytes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from '@noble/hashes/utils.js';
import * as wakuEcies from '@waku/message-encryption/ecies';
import * as wakuSym from '@waku/message-encryption/symmetric';
import { getPublicKey as wakuPublicKey } from '@waku/message-encryption';
import { openAsymmetric, openSymmetric, sealAsymmetric, sealSymmetric } from '../../src/core/message.ts';
import { eciesEncrypt } from '../../src/core/ecies.ts';
import { publicKeyOf } from '../../src/core/signature.ts';
import { encryptSymmetric } from '../../src/core/symmetric.ts';
import { errorCode } from './fixtures.ts';
import { useFastestSecp256k1 } from '../../src/core/secp256k1.ts';

// The relay and the extension run on the WebAssembly backend when it loads; so do these tests.
expect(await useFastestSecp256k1()).toBe('wasm');

const symKey = new Uint8Array(32).fill(0x21);
const recipient = new Uint8Array(32).fill(0x31);
const recipientPub = publicKeyOf(recipient);
const signer = new Uint8Array(32).fill(0x41);
const signerPub = publicKeyOf(signer);

const code = errorCode;

describe('message: seal/open round trips', () => {
  it('symmetric and asymmetric, signed or not, any payload and padding', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 30 }), { nil: undefined }),
        fc.boolean(),
        (payload, padding, signed) => {
          const p = { payload, ...(padding ? { padding } : {}), ...(signed ? { signer } : {}) };
          for (const opened of [
            openSymmetric(sealSymmetric(p, symKey, randomBytes), symKey),
            openAsymmetric(sealAsymmetric(p, recipientPub, randomBytes), recipient),
          ]) {
            expect(opened.payload).toEqual(payload);
            if (padding) expect(opened.padding).toEqual(padding);
            expect(opened.signer).toEqual(signed ? signerPub : undefined);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
  it('unpadded sealed sizes: 256-byte plaintext blocks plus the cipher overhead', () => {
    const p = { payload: new Uint8Array(3) };
    expect(sealSymmetric(p, symKey, randomBytes).length).toBe(256 + 28);
    expect(sealAsymmetric(p, recipientPub, randomBytes).length).toBe(256 + 113);
  });
  const sym = sealSymmetric({ payload: Uint8Array.of(1) }, symKey, randomBytes);
  const asym = sealAsymmetric({ payload: Uint8Array.of(1) }, recipientPub, randomBytes);
  // Well-encrypted but malformed plaintexts: the cipher layer passes, the payload layer must refuse.
  const badPlain = Uint8Array.of(1, 200, 0);
  it.each<[string, () => unknown, string]>([
    ['symmetric, wrong key', () => openSymmetric(sym, new Uint8Array(32).fill(0x22)), 'decrypt-failed'],
    ['asymmetric, wrong key', () => openAsymmetric(asym, signer), 'decrypt-failed'],
    ['asymmetric data opened as symmetric', () => openSymmetric(asym, symKey), 'decrypt-failed'],
    ['symmetric data opened as asymmetric', () => openAsymmetric(sym, recipient), 'decrypt-failed'],
    ['symmetric, bad plaintext', () => openSymmetric(sealSym(badPlain), symKey), 'bad-payload'],
    ['asymmetric, bad plaintext', () => openAsymmetric(sealAsym(badPlain), recipient), 'bad-payload'],
    ['symmetric, empty plaintext', () => openSymmetric(sealSym(new Uint8Array(0)), symKey), 'bad-payload'],
    ['signed flag, garbage signature', () => openSymmetric(sealSym(Uint8Array.of(5, 0, ...new Uint8Array(65))), symKey), 'bad-signature'],
    ['all-zero symmetric key', () => sealSymmetric({ payload: Uint8Array.of(1) }, new Uint8Array(32), randomBytes), 'bad-key'],
    ['recipient key off the curve', () => sealAsymmetric({ payload: Uint8Array.of(1) }, Uint8Array.of(4, ...new Uint8Array(64)), randomBytes), 'bad-key'],
  ])('%s -> %s', (_name, f, want) => {
    expect(code(f)).toBe(want);
  });
});

// The cipher layer alone around a hand-made plaintext.
const sealSym = (plain: Uint8Array) => encryptSymmetric(plain, symKey, randomBytes);
const sealAsym = (plain: Uint8Array) => eciesEncrypt(plain, recipientPub, randomBytes);

describe('message: cross-implementation with @waku/message-encryption 0.0.38', () => {
  const payloads = [new Uint8Array(0), Uint8Array.of(1, 2, 3), randomBytes(189), randomBytes(300), new Uint8Array(70_000).fill(0x5c)];
  const wakuPub = wakuPublicKey(recipient, false);
  it('derives the same public keys', () => {
    expect(wakuPub).toEqual(recipientPub);
    expect(wakuPublicKey(signer, false)).toEqual(signerPub);
  });
  for (const signed of [false, true]) {
    const sig = signed ? { signer } : {};
    it(`waku opens what we seal (${signed ? 'signed' : 'unsigned'})`, async () => {
      for (const payload of payloads) {
        const s = await wakuSym.decryptSymmetric(sealSymmetric({ payload, ...sig }, symKey, randomBytes), symKey);
        const a = await wakuEcies.decryptAsymmetric(sealAsymmetric({ payload, ...sig }, recipientPub, randomBytes), recipient);
        for (const plain of [s, a]) {
          const opened = wakuSym.postCipher(plain);
          expect(opened?.payload).toEqual(payload);
          expect(opened?.sig?.publicKey).toEqual(signed ? signerPub : undefined);
        }
      }
    });
    it(`we open what waku seals (${signed ? 'signed' : 'unsigned'})`, async () => {
      for (const payload of payloads) {
        const plain = await wakuSym.preCipher(payload, signed ? signer : undefined);
        const s = await wakuSym.encryptSymmetric(plain, symKey);
        const a = await wakuEcies.encryptAsymmetric(plain, recipientPub);
        for (const opened of [openSymmetric(s, symKey), openAsymmetric(a, recipient)]) {
          expect(opened.payload).toEqual(payload);
          expect(opened.padding).toEqual(plain.subarray(plain.length - (signed ? 65 : 0) - opened.padding.length, plain.length - (signed ? 65 : 0)));
          expect(opened.signer).toEqual(signed ? signerPub : undefined);
          expect(opened.signature).toEqual(signed ? plain.subarray(plain.length - 65) : undefined);
        }
      }
    });
  }
  it('both pad to the same length (docs/PROTOCOL.md §2 padding rule)', async () => {
    for (const payload of payloads)
      for (const signed of [false, true]) {
        const theirs = await wakuSym.preCipher(payload, signed ? signer : undefined);
        const ours = await wakuSym.decryptSymmetric(
          sealSymmetric({ payload, ...(signed ? { signer } : {}) }, symKey, randomBytes),
          symKey,
        );
        expect(ours.length).toBe(theirs.length);
      }
  });
  it('waku refuses what we tamper with, and we refuse what waku seals for someone else', async () => {
    const data = sealAsymmetric({ payload: Uint8Array.of(1) }, recipientPub, randomBytes);
    data[data.length - 1] = data[data.length - 1]! ^ 1;
    await expect(wakuEcies.decryptAsymmetric(data, recipient)).rejects.toThrow();
    const theirs = await wakuEcies.encryptAsymmetric(await wakuSym.preCipher(Uint8Array.of(1)), signerPub);
    expect(code(() => openAsymmetric(theirs, recipient))).toBe('decrypt-failed');
  });
});
