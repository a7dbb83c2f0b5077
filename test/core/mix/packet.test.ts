import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BODY_SIZE, FRAME_SIZE, HEADER_SIZE, MAX_HOPS } from '../../../src/core/mix/constants.ts';
import { isMixError } from '../../../src/core/mix/errors.ts';
import { createFrame, frameDigest, peelFrame, type Peeled } from '../../../src/core/mix/packet.ts';
import { ReplayCache } from '../../../src/core/mix/replay.ts';
import { seeded, testMix, type TestMix } from './helpers.ts';

const mixes = [testMix('a'), testMix('b'), testMix('c')];
const body = (seed: string) => seeded(seed)(BODY_SIZE);
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (isMixError(e)) return e.code;
    throw e;
  }
  return undefined;
};

/** Walks a frame along `path`, returning each hop's result; fresh replay caches each time. */
function walk(frame: Uint8Array, path: TestMix[]): Peeled[] {
  const out: Peeled[] = [];
  let f = frame;
  for (const m of path) {
    const r = peelFrame(f, [{ secretKey: m.secretKey, replay: new ReplayCache(10) }]);
    out.push(r);
    if (r.kind === 'relay' || r.kind === 'loop') f = r.frame;
  }
  return out;
}

describe('mix packet: create and peel', () => {
  it.each([1, 2, 3])('carries a body over %i hop(s) to a gossip exit', (n) => {
    const path = mixes.slice(0, n);
    const b = body(`body ${n}`);
    const { frame } = createFrame({ path: path.map((m) => m.hop), exit: { kind: 'gossip' }, body: b, randomBytes: seeded(`x ${n}`) });
    expect(frame.length).toBe(FRAME_SIZE);
    const steps = walk(frame, path);
    for (let i = 0; i < n - 1; i++) {
      const s = steps[i]!;
      expect(s.kind).toBe('relay');
      if (s.kind === 'relay') {
        expect(s.next).toEqual(path[i + 1]!.hop.nodeId);
        expect(s.frame.length).toBe(FRAME_SIZE);
      }
    }
    expect(steps[n - 1]).toEqual({ kind: 'gossip', body: b });
  });

  it('a loop frame comes back as exactly the bytes its creator expects; a drop frame ends at its last hop', () => {
    const to = mixes[0]!.hop.nodeId;
    const made = createFrame({ path: mixes.map((m) => m.hop), exit: { kind: 'loop', to }, randomBytes: seeded('loop') });
    const last = walk(made.frame, mixes)[2]!;
    expect(last.kind).toBe('loop');
    if (last.kind !== 'loop') return;
    expect(last.to).toEqual(to);
    expect(last.frame.length).toBe(FRAME_SIZE);
    expect(frameDigest(last.frame)).toEqual(made.returns);
    const drop = createFrame({ path: mixes.map((m) => m.hop), exit: { kind: 'drop' }, randomBytes: seeded('drop') });
    expect(drop.returns).toBeUndefined();
    expect(walk(drop.frame, mixes)[2]).toEqual({ kind: 'drop' });
  });

  it('round trip for any body, path length and randomness (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: BODY_SIZE, maxLength: BODY_SIZE }), fc.integer({ min: 1, max: 3 }), fc.string(), (b, n, seed) => {
        const path = mixes.slice(0, n);
        const { frame } = createFrame({ path: path.map((m) => m.hop), exit: { kind: 'gossip' }, body: b, randomBytes: seeded(seed) });
        expect(walk(frame, path)[n - 1]).toEqual({ kind: 'gossip', body: b });
      }),
      { numRuns: 15 },
    );
  });

  it('refuses paths of no hops or more than MAX_HOPS', () => {
    const spec = { exit: { kind: 'gossip' as const }, body: body('p'), randomBytes: seeded('p') };
    expect(codeOf(() => createFrame({ ...spec, path: [] }))).toBe('bad-path');
    expect(codeOf(() => createFrame({ ...spec, path: Array(MAX_HOPS + 1).fill(mixes[0]!.hop) }))).toBe('bad-path');
  });
});

describe('mix packet: hostile frames', () => {
  const make = (seed: string) =>
    createFrame({ path: mixes.map((m) => m.hop), exit: { kind: 'gossip' }, body: body(seed), randomBytes: seeded(seed) }).frame;

  it('any changed header bit is refused by the hop (bad MAC), and records no replay tag', () => {
    const frame = make('mac');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: HEADER_SIZE * 8 - 1 }), (bit) => {
        const bad = frame.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        const replay = new ReplayCache(10);
        expect(['bad-mac', 'bad-key']).toContain(codeOf(() => peelFrame(bad, [{ secretKey: mixes[0]!.secretKey, replay }])));
        expect(replay.size).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('a frame whose α is of low order is refused with bad-key', () => {
    const frame = make('low order');
    for (const alpha of [new Uint8Array(32), Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))]) {
      const bad = frame.slice();
      bad.set(alpha);
      expect(codeOf(() => peelFrame(bad, mixes[0]!.keys))).toBe('bad-key');
    }
  });

  it('a frame for another mix is refused with bad-mac', () => {
    expect(codeOf(() => peelFrame(make('other'), mixes[1]!.keys))).toBe('bad-mac');
  });

  it('any changed payload bit passes the middle hops and is refused at the exit (bad-payload)', () => {
    const frame = make('payload');
    fc.assert(
      fc.property(fc.integer({ min: HEADER_SIZE * 8, max: FRAME_SIZE * 8 - 1 }), (bit) => {
        const bad = frame.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(codeOf(() => walk(bad, mixes))).toBe('bad-payload');
      }),
      { numRuns: 30 },
    );
  });

  it('a replayed frame is refused, also after the key became the grace key', () => {
    const m = testMix('replay');
    const frame = createFrame({ path: [m.hop], exit: { kind: 'drop' }, randomBytes: seeded('r') }).frame;
    expect(peelFrame(frame, m.keys).kind).toBe('drop');
    expect(codeOf(() => peelFrame(frame, m.keys))).toBe('replay');
    const fresh = testMix('fresh');
    expect(codeOf(() => peelFrame(frame, [...fresh.keys, ...m.keys]))).toBe('replay');
  });

  it('a frame made for the previous key is peeled while that key is live, refused after', () => {
    const old = testMix('old');
    const current = testMix('current');
    const frame = createFrame({ path: [old.hop], exit: { kind: 'drop' }, randomBytes: seeded('g') }).frame;
    expect(codeOf(() => peelFrame(frame, current.keys))).toBe('bad-mac');
    expect(peelFrame(frame, [...current.keys, ...old.keys]).kind).toBe('drop');
  });

  it('truncated or extended frames are refused with bad-length', () => {
    const frame = make('len');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: FRAME_SIZE * 2 }), (n) => {
        fc.pre(n !== FRAME_SIZE);
        const f = new Uint8Array(n);
        f.set(frame.subarray(0, Math.min(n, FRAME_SIZE)));
        expect(codeOf(() => peelFrame(f, mixes[0]!.keys))).toBe('bad-length');
      }),
      { numRuns: 50 },
    );
  });

  it('a full replay cache refuses new frames (overloaded) instead of forgetting old tags', () => {
    const m = testMix('full', 1);
    const mk = (s: string) => createFrame({ path: [m.hop], exit: { kind: 'drop' }, randomBytes: seeded(s) }).frame;
    expect(peelFrame(mk('one'), m.keys).kind).toBe('drop');
    expect(codeOf(() => peelFrame(mk('two'), m.keys))).toBe('overloaded');
    expect(codeOf(() => peelFrame(mk('one'), m.keys))).toBe('replay');
  });
});

describe('mix packet: unlinkability of sizes and bytes', () => {
  it('frames entering each hop, for every path length, have no byte constant across them', () => {
    // Gather the frames seen on each link for many senders and path lengths: an observer who could
    // find a constant byte at some offset on some link would learn the position or the length.
    const byLink: Uint8Array[][] = [[], [], [], [], [], []]; // into hop 1, 2, 3; back from loops of 1, 2, 3 hops
    const all: Uint8Array[] = [];
    for (let s = 0; s < 24; s++) {
      const n = (s % 3) + 1;
      const path = mixes.slice(0, n);
      const to = mixes[0]!.hop.nodeId;
      const exit = s % 2 ? ({ kind: 'loop', to } as const) : ({ kind: 'gossip' } as const);
      let f = createFrame({ path: path.map((m) => m.hop), exit, body: exit.kind === 'gossip' ? new Uint8Array(BODY_SIZE) : undefined, randomBytes: seeded(`u${s}`) }).frame;
      for (let i = 0; i < n; i++) {
        byLink[i]!.push(f);
        all.push(f);
        const r = peelFrame(f, [{ secretKey: path[i]!.secretKey, replay: new ReplayCache(4) }]);
        if (r.kind !== 'relay' && r.kind !== 'loop') break;
        f = r.frame;
        if (r.kind === 'loop') byLink[2 + n]!.push(f), all.push(f);
      }
    }
    for (const frames of [...byLink, all]) {
      expect(frames.every((f) => f.length === FRAME_SIZE)).toBe(true);
      const constant = [...Array(FRAME_SIZE).keys()].filter((i) => frames.every((f) => f[i] === frames[0]![i]));
      expect(constant, `link ${byLink.indexOf(frames)}`).toEqual([]);
    }
  });
});
