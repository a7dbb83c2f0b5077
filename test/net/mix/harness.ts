// Mix nodes on the libp2p memory transport, in one process, for the mix-layer tests.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { memory } from '@libp2p/memory';
import type { PeerId } from '@libp2p/interface';
import { createLibp2p } from 'libp2p';
import { MixNode, type MixEventDetail, type MixHost, type MixNodeInit } from '../../../src/net/mix/mix-node.ts';
import { nodeIdOf } from '../../../src/net/mix/node-id.ts';
import type { PathHop } from '../../../src/core/mix/packet.ts';
import { seeded } from '../../core/mix/helpers.ts';

let count = 0;
export async function createNode() {
  const node = await createLibp2p({
    addresses: { listen: [`/memory/mix-test-${Date.now()}-${count++}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  await node.start();
  return node;
}
export type TestNode = Awaited<ReturnType<typeof createNode>>;

export interface TestMixNode {
  node: TestNode;
  mix: MixNode;
  admitted: Uint8Array[];
  charges: Array<{ source: string; what: 'frame' | 'invalid'; code?: string }>;
  events: MixEventDetail[];
  /** Set false to make charge() refuse (the sender's budget is spent). */
  budget: { ok: boolean };
  hop(): PathHop;
}

export const clock = { t: 1_700_000_000_000 };

export async function createMix(name: string, host: Partial<MixHost> = {}, init: MixNodeInit = {}): Promise<TestMixNode> {
  const node = await createNode();
  const admitted: Uint8Array[] = [];
  const charges: TestMixNode['charges'] = [];
  const events: MixEventDetail[] = [];
  const budget = { ok: true };
  const mix = new MixNode(
    {
      node,
      charge: (source: PeerId, what, code) => (charges.push({ source: source.toString(), what, ...(code ? { code } : {}) }), budget.ok),
      admit: (rlp) => void admitted.push(rlp),
      ...host,
    },
    {
      randomBytes: seeded(`mix ${name}`),
      clock: { now: () => clock.t, setTimer: (fn, ms) => ((t) => () => clearTimeout(t))(setTimeout(fn, ms)) },
      settings: { meanDelayMs: 5, maxDelayMs: 50 },
      ...init,
    },
  );
  mix.addEventListener('mix', (e) => events.push(e.detail));
  await mix.start();
  return { node, mix, admitted, charges, events, budget, hop: () => ({ nodeId: nodeIdOf(node.peerId), mixKey: mix.keys.current().publicKey }) };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
