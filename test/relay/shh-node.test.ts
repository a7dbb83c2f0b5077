// The relay's ShhNode: post stores (through the peer's store, as the relay wires it) before
// it pools and gossips; a failed write refuses the envelope.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/rpc/errors.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { PowPool } from '../../src/core/pow-pool.ts';
import { WhisperPeer } from '../../src/net/peer.ts';
import { RelayShhNode } from '../../relay/shh-node.ts';
import { EnvelopeStore } from '../../relay/store.ts';

const NOW = 1_700_000_000;
const clock = () => NOW * 1000;
const envelope = (fill: number, size = 100) => ({ expiry: NOW + 60, ttl: 60, topic: Uint8Array.of(1, 2, 3, 4), data: new Uint8Array(size).fill(fill), nonce: 0n });

let dir: string;
let store: EnvelopeStore | undefined; // opened by each test; the peer writes through it as the relay's does
let peer: WhisperPeer;
let pow: PowPool;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shh-node-'));
  store = undefined;
  peer = await WhisperPeer.create({ now: clock, nodeInit: { role: 'test' }, minPow: 0, store: { put: (e) => void store?.put(e) } });
  await peer.start();
  pow = new PowPool({ spawn: () => { throw new Error('no workers in this test'); }, size: 1 });
});
afterEach(async () => {
  await peer.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('RelayShhNode.post', () => {
  it('stores, pools and notifies; a second post is a duplicate', async () => {
    store = EnvelopeStore.open(dir, { now: clock });
    const node = new RelayShhNode(peer, pow);
    const seen: string[] = [];
    const off = node.onEnvelope((e, p2p) => seen.push(`${e.data[0]}:${p2p}`));
    const v = await node.post(envelope(7));
    expect(store.get(v.hash)).toEqual(v.rlp);
    expect(peer.pool.has(v.hash)).toBe(true);
    expect(node.info()).toEqual({ messages: 1, memory: v.rlp.length });
    expect([...node.envelopes()].map((e) => e.hash)).toEqual([v.hash]);
    expect(seen).toEqual(['7:false']);
    await expect(node.post(envelope(7))).rejects.toSatisfy((e) => isWhisperError(e, 'duplicate'));
    off();
    await node.post(envelope(8));
    expect(seen).toEqual(['7:false']);
    store.close();
  });

  it('a full store refuses the envelope: not pooled, not sent', async () => {
    store = EnvelopeStore.open(dir, { now: clock, maxBytes: 16 * 1024 });
    const node = new RelayShhNode(peer, pow);
    let refused: unknown;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      try {
        await node.post(envelope(i & 0xff, 1000 + i));
      } catch (e) {
        refused = e;
      }
    }
    expect(refused).toBeInstanceOf(RpcError);
    expect((refused as RpcError).code).toBe(-32603);
    expect((refused as RpcError).message).toMatch(/^envelope not stored, not sent: cannot store envelope/);
    expect(peer.pool.size).toBe(store.count);
    store.close();
  });

  it('policy failures keep their WhisperError code and touch nothing', async () => {
    store = EnvelopeStore.open(dir, { now: clock });
    const node = new RelayShhNode(peer, pow);
    await node.setMaxMessageSize(100);
    await expect(node.post(envelope(1, 200))).rejects.toSatisfy((e) => isWhisperError(e, 'too-large'));
    await node.setMaxMessageSize(65536);
    await node.setMinPow(1000);
    expect(node.minPow()).toBe(1000);
    await expect(node.post(envelope(1))).rejects.toSatisfy((e) => isWhisperError(e, 'low-pow'));
    await expect(node.post({ ...envelope(1), expiry: NOW - 5 })).rejects.toSatisfy((e) => isWhisperError(e, 'future') || isWhisperError(e, 'expired'));
    expect(store.count).toBe(0);
    expect(peer.pool.size).toBe(0);
    await expect(node.setMaxMessageSize(2 * 1024 * 1024)).rejects.toThrow(RangeError);
    store.close();
  });

  it('bloom filters and trusted peers are refused, not silently ignored', async () => {
    store = EnvelopeStore.open(dir, { now: clock });
    const node = new RelayShhNode(peer, pow);
    await expect(node.setBloomFilter(new Uint8Array(64))).rejects.toThrow(/bloom filters are not supported/);
    await expect(node.markTrustedPeer('/ip4/127.0.0.1/tcp/1/ws')).rejects.toThrow(/trusted peers are not supported/);
    store.close();
  });
});
