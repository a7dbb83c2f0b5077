import { afterEach, describe, expect, it } from 'vitest';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { envelopeHash } from '../../src/core/envelope.ts';
import { validateEnvelope, type Verdict } from '../../src/core/validate.ts';
import { envelopeMessageId, SCORE_THRESHOLDS } from '../../src/net/gossip.ts';
import type { WhisperPeer } from '../../src/net/peer.ts';
import {
  createPeers,
  createPlainNode,
  envelopeRlp,
  HEARTBEAT,
  line,
  meshed,
  sleep,
  stopAll,
  T0,
  waitFor,
  type PlainNode,
} from './helpers.ts';

let running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await stopAll(running);
  running = [];
});

/** A plain gossipsub node linked to `peer`, both seeing each other on the topic. */
async function plainNextTo(peer: WhisperPeer): Promise<PlainNode> {
  const plain = await createPlainNode();
  running.push(plain as { stop(): Promise<void> });
  await plain.dial(peer.getMultiaddrs()[0]!);
  await waitFor(
    () =>
      plain.services.pubsub.getSubscribers(GOSSIP_TOPIC).some((p) => p.equals(peer.peerId)) &&
      peer.node.services.pubsub.getSubscribers(GOSSIP_TOPIC).some((p) => p.equals(plain.peerId)),
    5000,
    'subscriptions',
  );
  return plain;
}

function verdicts(peer: WhisperPeer): Verdict[] {
  const out: Verdict[] = [];
  peer.addEventListener('verdict', (e) => out.push(e.detail.verdict));
  return out;
}

describe('gossip: message id', () => {
  it('is the envelope hash of the data (docs/PROTOCOL.md §6 vector)', () => {
    const rlp = Uint8Array.from(Buffer.from('cf8001840000000084deadbeef820114', 'hex'));
    expect(Buffer.from(envelopeMessageId({ data: rlp })).toString('hex')).toBe(
      '300e63ed3c7a65d646006bd8f92ed35851ac71038f39912186f66bcb8003413f',
    );
  });
});

describe('gossip: interop with a plain libp2p + gossipsub node (StrictNoSign)', () => {
  it('our peers accept its envelope and forward it; it receives what our peer posts', async () => {
    const peers = await createPeers(3);
    running.push(...peers);
    await meshed(peers, await line(peers));
    const plain = await plainNextTo(peers[0]!);
    const received: Array<{ type: string; data: Uint8Array }> = [];
    plain.services.pubsub.addEventListener('message', (e) => received.push({ type: e.detail.type, data: e.detail.data }));

    const theirs = envelopeRlp(21);
    const ids: string[] = [];
    peers[2]!.node.services.pubsub.addEventListener('gossipsub:message', (e) => ids.push(e.detail.msgId));
    const arrived = new Promise<void>((resolve) =>
      peers[2]!.addEventListener('envelope', () => resolve(), { once: true }),
    );
    await plain.services.pubsub.publish(GOSSIP_TOPIC, theirs);
    await arrived;
    for (const p of peers) expect(p.pool.has(envelopeHash(theirs))).toBe(true);
    // gossipsub's own id for it is the envelope hash (base64 in its string form), not its sha256 default
    await waitFor(() => ids.length > 0, 2000, 'gossipsub:message');
    expect(ids).toEqual([Buffer.from(envelopeHash(theirs)).toString('base64').replace(/=+$/, '')]);

    const ours = await peers[2]!.publish(envelopeRlp(22));
    await waitFor(() => received.length > 0, 5000, 'delivery to the plain node');
    await sleep(3 * HEARTBEAT);
    // unsigned: StrictNoSign carries no author, seqno or key; data is the envelope RLP only.
    expect(received).toEqual([{ type: 'unsigned', data: ours.rlp }]);
  });
});

describe('gossip: invalid envelopes count against the sender', () => {
  const invalid: Array<[string, (seed: number) => Uint8Array]> = [
    ['low-pow', (s) => envelopeRlp(s, { target: 0 })],
    ['expired', (s) => envelopeRlp(s, { now: T0 - 100, ttl: 50 })],
    ['future', (s) => envelopeRlp(s, { now: T0 + 60 })],
    ['too-large', (s) => envelopeRlp(s, { data: new Uint8Array(64 * 1024).fill(s & 0xff), target: 0 })],
    ['bad-envelope', (s) => Uint8Array.of(0xc1, s & 0x7f)],
  ];

  it.each(invalid)('%s: rejected with its code, not stored, not forwarded, sender scored negative', async (code, make) => {
    const peers = await createPeers(2);
    running.push(...peers);
    await meshed(peers, await line(peers));
    const [a, b] = peers;
    const plain = await plainNextTo(a!);
    const seen = verdicts(a!);
    let emitted = 0;
    for (const p of peers) p.addEventListener('envelope', () => emitted++);
    await plain.services.pubsub.publish(GOSSIP_TOPIC, make(31));
    await waitFor(() => seen.length === 1, 3000, 'verdict');
    const v = seen[0]!;
    expect(v.kind === 'reject' && v.error.code).toBe(code);
    await sleep(3 * HEARTBEAT);
    expect(emitted).toBe(0);
    expect(a!.pool.size + b!.pool.size).toBe(0);
    expect(a!.score(plain.peerId)).toBeLessThan(0);
    expect(a!.score(b!.peerId)).toBeGreaterThanOrEqual(0);
  });

  it('a spammer loses its mesh place, then falls below publish and graylist thresholds; honest peers keep theirs', async () => {
    // gossipsub's scoring alone: the cut-off that follows graylisting is test/net/flood.test.ts's.
    const peers = await createPeers(2, { cutOff: false });
    running.push(...peers);
    await meshed(peers, await line(peers));
    const [a, b] = peers;
    const plain = await plainNextTo(a!);
    const mesh = () => a!.node.services.pubsub.getMeshPeers(GOSSIP_TOPIC);
    await waitFor(() => mesh().includes(plain.peerId.toString()), 3000, 'plain node in mesh');
    const seen = verdicts(a!);

    await plain.services.pubsub.publish(GOSSIP_TOPIC, envelopeRlp(41, { target: 0 }));
    await waitFor(() => seen.length === 1, 3000, 'first verdict');
    await waitFor(() => !mesh().includes(plain.peerId.toString()), 3000, 'prune');

    for (let i = 0; i < 3; i++) await plain.services.pubsub.publish(GOSSIP_TOPIC, envelopeRlp(42 + i, { target: 0 }));
    await waitFor(() => seen.length === 4, 3000, 'verdicts');
    await sleep(2 * HEARTBEAT); // the score cache lives one heartbeat
    expect(a!.score(plain.peerId)).toBeLessThan(SCORE_THRESHOLDS.graylistThreshold);

    // graylisted: even a valid envelope from it is dropped unread, once gossipsub's grace for peers
    // that had a non-negative score (1 s or 128 RPCs, ACCEPT_FROM_WHITELIST_*) has run out.
    await sleep(1100);
    await plain.services.pubsub.publish(GOSSIP_TOPIC, envelopeRlp(49));
    await sleep(3 * HEARTBEAT);
    expect(seen).toHaveLength(4);
    expect(a!.pool.size).toBe(0);
    expect(mesh()).toContain(b!.peerId.toString());
    expect(a!.score(b!.peerId)).toBeGreaterThanOrEqual(0);
  });

  it('with the cut-off on (default), the fourth invalid envelope gets the spammer hung up on and refused; three do not', async () => {
    const peers = await createPeers(2);
    running.push(...peers);
    await meshed(peers, await line(peers));
    const [a, b] = peers;
    const plain = await plainNextTo(a!);
    const seen = verdicts(a!);
    const cut: string[] = [];
    a!.addEventListener('cut-off', (e) => cut.push(e.detail.peer.toString()));
    for (let i = 0; i < 3; i++) await plain.services.pubsub.publish(GOSSIP_TOPIC, envelopeRlp(61 + i, { target: 0 }));
    await waitFor(() => seen.length === 3, 3000, 'three verdicts');
    await sleep(3 * HEARTBEAT);
    expect(cut).toEqual([]);
    expect(a!.node.getConnections(plain.peerId).length).toBeGreaterThan(0);
    await plain.services.pubsub.publish(GOSSIP_TOPIC, envelopeRlp(64, { target: 0 }));
    await waitFor(() => cut.length === 1, 3000, 'cut-off');
    expect(cut).toEqual([plain.peerId.toString()]);
    await waitFor(() => a!.node.getConnections(plain.peerId).length === 0, 3000, 'hang-up');
    // Refused during the cooldown: a fresh connection is closed as soon as it opens.
    await plain.dial(a!.getMultiaddrs()[0]!).catch(() => {});
    await sleep(3 * HEARTBEAT);
    expect(a!.node.getConnections(plain.peerId)).toHaveLength(0);
    expect(a!.node.getConnections(b!.peerId).length).toBeGreaterThan(0);
    expect(a!.score(b!.peerId)).toBeGreaterThanOrEqual(0);
  });

  it('a quietly expired envelope (within 20 s) is ignored without penalty', async () => {
    const peers = await createPeers(1);
    running.push(...peers);
    const [a] = peers;
    const plain = await plainNextTo(a!);
    const seen = verdicts(a!);
    await plain.services.pubsub.publish(GOSSIP_TOPIC, envelopeRlp(51, { now: T0 - 60, ttl: 50 }));
    await waitFor(() => seen.length === 1, 3000, 'verdict');
    expect(seen[0]).toEqual({ kind: 'ignore', reason: 'expired' });
    await sleep(2 * HEARTBEAT);
    expect(a!.pool.size).toBe(0);
    expect(a!.score(plain.peerId)).toBeGreaterThanOrEqual(0);
  });

  it('an envelope already in the pool (e.g. from catch-up sync) is ignored as duplicate without penalty', async () => {
    const peers = await createPeers(1);
    running.push(...peers);
    const [a] = peers;
    const rlp = envelopeRlp(61);
    // what catch-up sync does: straight into the pool, unseen by gossipsub
    const v = validateEnvelope(rlp, a!.policy());
    if (v.kind !== 'accept') throw new Error('fixture');
    const emitted: unknown[] = [];
    a!.addEventListener('envelope', (e) => emitted.push(e.detail.from));
    expect(a!.pool.add(v.envelope)).toBe(true);
    expect(emitted).toEqual([undefined]);
    const plain = await plainNextTo(a!);
    const seen = verdicts(a!);
    await plain.services.pubsub.publish(GOSSIP_TOPIC, rlp);
    await waitFor(() => seen.length === 1, 3000, 'verdict');
    expect(seen[0]).toEqual({ kind: 'ignore', reason: 'duplicate' });
    await sleep(2 * HEARTBEAT);
    expect(emitted).toHaveLength(1);
    expect(a!.score(plain.peerId)).toBeGreaterThanOrEqual(0);
  });
});
