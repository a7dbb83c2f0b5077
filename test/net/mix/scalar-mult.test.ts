import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BODY_SIZE } from '../../../src/core/mix/constants.ts';
import { isMixError } from '../../../src/core/mix/errors.ts';
import { createFrame, peelFrame, peelFrameWith } from '../../../src/core/mix/packet.ts';
import { ReplayCache } from '../../../src/core/mix/replay.ts';
import { nativeScalarMult, nobleScalarMult } from '../../../src/net/mix/scalar-mult.ts';
import { seeded, testMix } from '../../core/mix/helpers.ts';

async function codeOf(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    if (isMixError(e)) return e.code;
    throw e;
  }
  return undefined;
}

const codeOr = async (f: () => Promise<Uint8Array>): Promise<Uint8Array | string | undefined> => {
  try {
    return await f();
  } catch (e) {
    if (isMixError(e)) return e.code;
    throw e;
  }
};

describe('X25519 multiplication: WebCrypto and noble agree', () => {
  it('is available on this Node and gives the same bytes as @noble/curves for any scalar and any 32 bytes', async () => {
    const native = await nativeScalarMult();
    expect(native).toBeDefined();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (k, u) => {
        // Any u: points on the curve, on its twist, non-canonical encodings. Both refuse the same few.
        const [a, b] = await Promise.all([codeOr(() => native!(k, u)), codeOr(() => nobleScalarMult(k, u))]);
        expect(a).toEqual(b);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses low-order points with bad-key, like noble', async () => {
    const native = (await nativeScalarMult())!;
    const zero = new Uint8Array(32);
    const one = new Uint8Array(32).fill(0).map((_, i) => (i === 0 ? 1 : 0));
    for (const u of [zero, one]) {
      expect(await codeOf(() => native(new Uint8Array(32).fill(7), u))).toBe('bad-key');
      expect(await codeOf(() => nobleScalarMult(new Uint8Array(32).fill(7), u))).toBe('bad-key');
    }
  });

  it('falls back (undefined) where WebCrypto has no X25519, saying why', async () => {
    const reasons: unknown[] = [];
    const broken = { importKey: async () => Promise.reject(new Error('unsupported')) } as unknown as SubtleCrypto;
    expect(await nativeScalarMult(broken, (r) => reasons.push(r))).toBeUndefined();
    expect(reasons.length).toBe(1);
  });

  it('peelFrameWith(native) gives the same result as peelFrame over a three-hop path', async () => {
    const native = (await nativeScalarMult())!;
    const m = [testMix('n1'), testMix('n2'), testMix('n3')];
    const body = seeded('native body')(BODY_SIZE);
    let a = createFrame({ path: m.map((x) => x.hop), exit: { kind: 'gossip' }, body, randomBytes: seeded('native') }).frame;
    let b = a;
    for (const x of m) {
      const p = peelFrame(a, [{ secretKey: x.secretKey, replay: new ReplayCache(2) }]);
      const q = await peelFrameWith(b, [{ secretKey: x.secretKey, replay: new ReplayCache(2) }], native);
      expect(q).toEqual(p);
      if (p.kind === 'relay' && q.kind === 'relay') [a, b] = [p.frame, q.frame];
    }
  });
});
