// A mix reads on while it peels (src/net/mix/mix-node.ts): a peel that waits on its multiplications
// does not hold up the frames behind it on the same stream, up to 32 of them at once.
import { lpStream } from '@libp2p/utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createFrame } from '../../../src/core/mix/packet.ts';
import { nobleScalarMult } from '../../../src/net/mix/scalar-mult.ts';
import { MIX_PROTOCOL } from '../../../src/net/mix/settings.ts';
import { seeded } from '../../core/mix/helpers.ts';
import { createMix, createNode, waitFor, type TestMixNode, type TestNode } from './harness.ts';

const nodes: Array<TestNode | TestMixNode> = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await ('mix' in n ? (await n.mix.stop(), n.node.stop()) : n.stop());
});

describe('mix node: peels in parallel on one stream', () => {
  it('starts peeling later frames while earlier ones wait, and no more than 32 at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let waiting = 0;
    let most = 0;
    const mix = await createMix('pipeline', {}, {
      scalarMult: async (s, u) => {
        waiting++;
        most = Math.max(most, waiting);
        await gate;
        waiting--;
        return nobleScalarMult(s, u);
      },
    });
    const sender = await createNode();
    nodes.push(mix, sender);
    await sender.dial(mix.node.getMultiaddrs()[0]!);
    const lp = lpStream(await sender.dialProtocol(mix.node.peerId, MIX_PROTOCOL));
    const rb = seeded('pipeline sender');
    for (let i = 0; i < 40; i++) await lp.write(createFrame({ path: [mix.hop()], exit: { kind: 'drop' }, randomBytes: rb }).frame);
    await waitFor(() => waiting >= 32, '32 peels waiting at once');
    expect(most).toBe(32);
    release();
    await waitFor(() => mix.events.filter((e) => e.action === 'drop').length === 40, 'every frame peeled');
    expect(most).toBe(32);
  });
});
