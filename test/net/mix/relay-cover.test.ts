import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifiedKeyRecord } from '../../../src/net/mix/key-record.ts';
import { nodeIdOf } from '../../../src/net/mix/node-id.ts';
import { RelayCover } from '../../../src/net/mix/relay-cover.ts';
import { seeded } from '../../core/mix/helpers.ts';
import { clock, createMix, waitFor, type TestMixNode } from './harness.ts';

let a: TestMixNode, b: TestMixNode, c: TestMixNode;
let cover: RelayCover | undefined;

beforeAll(async () => {
  a = await createMix('cover a', { ownLoop: (f) => cover?.recognise(f) ?? false });
  [b, c] = await Promise.all([createMix('cover b'), createMix('cover c')]);
  await a.node.dial(b.node.getMultiaddrs()[0]!);
  await b.node.dial(c.node.getMultiaddrs()[0]!);
  await c.node.dial(a.node.getMultiaddrs()[0]!);
}, 30_000);

afterAll(async () => {
  cover?.stop();
  for (const m of [a, b, c]) await m.mix.stop();
  await Promise.all([a, b, c].map((m) => m.node.stop()));
});

const record = (m: TestMixNode): VerifiedKeyRecord => {
  const k = m.mix.keys.current();
  return { peerId: m.node.peerId, nodeId: nodeIdOf(m.node.peerId), mixKey: k.publicKey, notBefore: k.notBefore, notAfter: k.notAfter };
};

describe('relay cover: loops through other mixes and back', () => {
  it('sends loops on its clock, recognises them back, and counts the ones a dead mix swallowed as lost', async () => {
    // The records' validity runs on the harness's key clock; the timers are real.
    const wall = { now: () => clock.t, setTimer: (fn: () => void, ms: number) => ((t) => () => clearTimeout(t))(setTimeout(fn, ms)) };
    cover = new RelayCover({
      clock: wall,
      randomBytes: seeded('relay cover'),
      ownId: nodeIdOf(a.node.peerId),
      ownKey: () => a.mix.keys.current().publicKey,
      records: () => [record(a), record(b), record(c)],
      send: (to, frame) => a.mix.send(to, frame),
      rateHz: 20,
      loopTimeoutMs: 3000,
    });
    cover.start();
    await waitFor(() => cover!.stats().returned >= 5, 'loops back');
    expect(b.events.some((e) => e.action === 'relay') || c.events.some((e) => e.action === 'relay')).toBe(true);
    expect(a.admitted.length).toBe(0);

    await c.mix.stop(); // every path goes through c (a has only b and c to pick from)
    const lostBefore = cover.stats().lost;
    // Loops run on the frozen key clock, so their deadlines pass when that clock moves on.
    await waitFor(() => cover!.stats().sent > cover!.stats().returned + cover!.stats().lost + 3, 'loops into the dead mix');
    clock.t += 3001;
    expect(cover.stats().lost).toBeGreaterThan(lostBefore);
    cover.stop();
  });
});
