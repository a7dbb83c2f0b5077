import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lpStream } from '@libp2p/utils';
import { FRAME_SIZE, FRAGMENT_DATA_SIZE, HEADER_SIZE } from '../../../src/core/mix/constants.ts';
import { fragmentEnvelope } from '../../../src/core/mix/fragment.ts';
import { createFrame } from '../../../src/core/mix/packet.ts';
import { LoopTracker } from '../../../src/net/mix/loops.ts';
import { MixNode } from '../../../src/net/mix/mix-node.ts';
import { nodeIdOf } from '../../../src/net/mix/node-id.ts';
import { MixOutbound } from '../../../src/net/mix/outbound.ts';
import { MIX_PROTOCOL } from '../../../src/net/mix/settings.ts';
import { seeded } from '../../core/mix/helpers.ts';
import { createMix, createNode, waitFor, type TestMixNode, type TestNode } from './harness.ts';

let client: TestNode;
let a: TestMixNode, b: TestMixNode, c: TestMixNode;
let out: MixOutbound;

beforeAll(async () => {
  client = await createNode();
  [a, b, c] = await Promise.all([createMix('a'), createMix('b'), createMix('c')]);
  await client.dial(a.node.getMultiaddrs()[0]!);
  await a.node.dial(b.node.getMultiaddrs()[0]!);
  await b.node.dial(c.node.getMultiaddrs()[0]!);
  out = new MixOutbound(client, () => AbortSignal.timeout(5000));
}, 30_000);

afterAll(async () => {
  out.closeAll();
  for (const m of [a, b, c]) await m.mix.stop();
  await Promise.all([client, a.node, b.node, c.node].map((n) => n.stop()));
});

const rand = seeded('client');
const frames = (envelope: Uint8Array) =>
  fragmentEnvelope(envelope, rand).map((body) => createFrame({ path: [a.hop(), b.hop(), c.hop()], exit: { kind: 'gossip' }, body, randomBytes: rand }).frame);

describe('mix node: three mixes in one process', () => {
  it('a loop frame goes entry → relay → entry and back to its creator, who recognises it', async () => {
    const loops = new LoopTracker({ now: () => Date.now(), timeoutMs: 60_000 });
    const own = new MixNode({ node: client, charge: () => true, admit: () => undefined, ownLoop: (f) => loops.recognise(f) });
    const seen: string[] = [];
    own.addEventListener('mix', (e) => seen.push(e.detail.action));
    await own.start();
    try {
      const made = createFrame({ path: [a.hop(), b.hop(), a.hop()], exit: { kind: 'loop', to: nodeIdOf(client.peerId) }, randomBytes: rand });
      loops.expect(made.returns!);
      await out.write(a.node.peerId, made.frame);
      await waitFor(() => seen.includes('own-loop'), 'the loop back at its creator');
      expect(loops.stats()).toMatchObject({ sent: 1, returned: 1, lost: 0 });
      expect(a.events.some((e) => e.action === 'loop')).toBe(true);
    } finally {
      await own.stop();
    }
  });

  it.each([['one frame', 400], ['three frames', FRAGMENT_DATA_SIZE * 2 + 17]])('carries an envelope end to end (%s), byte-identical', async (_, len) => {
    const envelope = seeded(`envelope ${len}`)(len);
    const before = c.admitted.length;
    for (const f of frames(envelope)) await out.write(a.node.peerId, f);
    await waitFor(() => c.admitted.length > before, 'admission at the exit');
    expect(c.admitted.slice(before)).toEqual([envelope]);
    expect(a.admitted.length + b.admitted.length).toBe(0);
  });

  it('drop cover ends at its last hop and never reaches admission', async () => {
    const drops = c.events.filter((e) => e.action === 'drop').length;
    const admitted = c.admitted.length;
    const { frame } = createFrame({ path: [a.hop(), b.hop(), c.hop()], exit: { kind: 'drop' }, randomBytes: rand });
    await out.write(a.node.peerId, frame);
    await waitFor(() => c.events.filter((e) => e.action === 'drop').length > drops, 'drop at the last hop');
    expect(c.admitted.length).toBe(admitted);
  });

  it('a replayed frame is dropped (and charged) at the first hop', async () => {
    const [f] = frames(seeded('replayed')(100));
    const rejects = () => a.events.filter((e) => e.reason === 'replay').length;
    const admitted = c.admitted.length;
    await out.write(a.node.peerId, f!);
    await waitFor(() => c.admitted.length > admitted, 'first copy delivered');
    const invalid = a.charges.filter((x) => x.code === 'replay').length;
    await out.write(a.node.peerId, f!);
    await waitFor(() => rejects() === 1, 'replay refused');
    expect(a.charges.filter((x) => x.code === 'replay').length).toBe(invalid + 1);
    expect(c.admitted.length).toBe(admitted + 1);
  });

  it('a frame with a bad MAC is dropped and charged against its sender', async () => {
    const [f] = frames(seeded('tampered')(100));
    f![HEADER_SIZE - 1]! ^= 1;
    const invalid = () => a.charges.filter((x) => x.what === 'invalid' && x.code === 'bad-mac' && x.source === client.peerId.toString()).length;
    const before = invalid();
    await out.write(a.node.peerId, f!);
    await waitFor(() => a.events.some((e) => e.reason === 'bad-mac'), 'bad MAC refused');
    expect(invalid()).toBe(before + 1);
  });

  it('a payload tampered with before the first hop passes the middle hops and is refused at the exit', async () => {
    const [f] = frames(seeded('payload tampered')(100));
    f![FRAME_SIZE - 1]! ^= 1;
    const admitted = c.admitted.length;
    await out.write(a.node.peerId, f!);
    await waitFor(() => c.events.some((e) => e.reason === 'bad-payload'), 'refused at the exit');
    expect(c.admitted.length).toBe(admitted);
  });

  it('holds at most maxHeld frames; beyond it frames are dropped', async () => {
    const slow = await createMix('slow', {}, { settings: { meanDelayMs: 60_000, maxDelayMs: 60_000, maxHeld: 1 } });
    try {
      await client.dial(slow.node.getMultiaddrs()[0]!);
      const mk = () => createFrame({ path: [slow.hop(), b.hop()], exit: { kind: 'gossip' }, body: fragmentEnvelope(seeded('held')(10), rand)[0]!, randomBytes: rand }).frame;
      await out.write(slow.node.peerId, mk());
      await out.write(slow.node.peerId, mk());
      await waitFor(() => slow.events.some((e) => e.reason === 'held-full'), 'second frame dropped');
      expect(slow.mix.held).toBe(1);
    } finally {
      await slow.mix.stop();
      await slow.node.stop();
    }
  });

  it('a frame of the wrong size is charged and ends the stream; a spent budget cuts the sender off', async () => {
    const stream = await client.dialProtocol(a.node.peerId, MIX_PROTOCOL);
    const lp = lpStream(stream);
    await lp.write(new Uint8Array(FRAME_SIZE - 1));
    await waitFor(() => a.events.some((e) => e.reason === 'bad-length'), 'short frame refused');
    await waitFor(() => stream.status !== 'open' || stream.readStatus !== 'readable', 'stream cut');
    const rejects = a.events.filter((e) => e.reason === 'bad-length').length;
    const long = await client.dialProtocol(a.node.peerId, MIX_PROTOCOL);
    await lpStream(long).write(new Uint8Array(FRAME_SIZE + 1));
    await waitFor(() => a.events.filter((e) => e.reason === 'bad-length').length > rejects, 'long frame refused');
    await waitFor(() => long.status !== 'open' || long.readStatus !== 'readable', 'long stream cut');

    a.budget.ok = false;
    try {
      const [f] = frames(seeded('over budget')(100));
      const s2 = await client.dialProtocol(a.node.peerId, MIX_PROTOCOL);
      const relayed = a.events.filter((e) => e.action === 'relay').length;
      await lpStream(s2).write(f!);
      await waitFor(() => s2.status !== 'open' || s2.readStatus !== 'readable', 'over-budget stream cut');
      expect(a.events.filter((e) => e.action === 'relay').length).toBe(relayed);
    } finally {
      a.budget.ok = true;
    }
  });
});
