// The relay's ShhNode: post stores (through the peer's store, as the relay wires it) before
// it pools and gossips; a failed write refuses the envelope.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { rolesOf } from '../../src/api/node.ts';
import { ShhApi } from '../../src/api/shh.ts';
import { RpcServer } from '../../relay/rpc-server.ts';
import { RpcError } from '../../src/rpc/errors.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { PowPool } from '../../src/core/pow-pool.ts';
import { WhisperPeer } from '../../src/net/peer.ts';
import type { WhisperService } from '../../src/net/service.ts';
import { RelayShhNode } from '../../relay/shh-node.ts';
import { EnvelopeStore } from '../../relay/store.ts';

const NOW = 1_700_000_000;
/** The relay's service as RelayShhNode reads it: its peer (the node queries read no more of it here). */
const service = (): WhisperService => ({ peer }) as WhisperService;
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
    const node = new RelayShhNode(service(), pow);
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
    const node = new RelayShhNode(service(), pow);
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
    const node = new RelayShhNode(service(), pow);
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
    const node = new RelayShhNode(service(), pow);
    await expect(node.setBloomFilter(new Uint8Array(64))).rejects.toThrow(/bloom filters are not supported/);
    await expect(node.markTrustedPeer('/ip4/127.0.0.1/tcp/1/ws')).rejects.toThrow(/trusted peers are not supported/);
    store.close();
  });
});

describe('RelayShhNode: node queries over the RPC', () => {
  it("answer from the relay's Whisper service when called; bad params are -32602 before it is asked", async () => {
    const node = new RelayShhNode(service(), pow);
    const api = new ShhApi({ node: rolesOf(node, node), randomBytes });
    const server = new RpcServer({ handler: api, port: 0 });
    await server.start();
    const rpc = async (method: string, params: unknown) =>
      (await fetch(server.url + '/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json();
    try {
      const count = vi.spyOn(peer, 'peerCount', 'get').mockReturnValue(20);
      expect(await rpc('net_peerCount', [])).toEqual({ jsonrpc: '2.0', id: 1, result: '0x14' });
      expect(await rpc('net_listening', [])).toEqual({ jsonrpc: '2.0', id: 1, result: true });
      expect(count).toHaveBeenCalledTimes(1);
      expect(await rpc('net_peerCount', [1])).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'too many arguments, want at most 0' } });
      expect(count).toHaveBeenCalledTimes(1);
      await peer.stop();
      expect(await rpc('net_listening', [])).toEqual({ jsonrpc: '2.0', id: 1, result: false });
    } finally {
      await server.stop();
    }
  });
});
