// Code nobody here wrote: web3-shh 1.10.4 (web3.js's Whisper module) drives a relay process over
// its WebSocket provider: newSymKey, subscribe('messages'), post, and the message comes back.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startRelay, type RelayProcess } from './harness.ts';

interface Web3Message { payload: string; topic: string; hash: string; ttl: number; timestamp: number; pow: number }
interface Web3Subscription {
  on(event: 'data', f: (m: Web3Message) => void): Web3Subscription;
  on(event: 'error', f: (e: Error) => void): Web3Subscription;
  on(event: 'connected', f: (id: string) => void): Web3Subscription;
  unsubscribe(): Promise<boolean>;
}
interface Web3Shh {
  getVersion(): Promise<string>;
  newSymKey(): Promise<string>;
  hasSymKey(id: string): Promise<boolean>;
  getInfo(): Promise<{ minPow: number; maxMessageSize: number; messages: number; memory: number }>;
  subscribe(kind: 'messages', criteria: Record<string, unknown>): Web3Subscription;
  post(msg: Record<string, unknown>): Promise<string>;
  currentProvider: { disconnect?: () => void; connection?: { close(): void } };
}

const Shh = createRequire(import.meta.url)('web3-shh') as new (provider: string) => Web3Shh;

let relay: RelayProcess;
let shh: Web3Shh;
beforeAll(async () => {
  relay = await startRelay();
  shh = new Shh(relay.rpcUrl.replace(/^http/, 'ws'));
}, 40_000);
afterAll(async () => {
  shh?.currentProvider.disconnect?.();
  await cleanup();
});

describe('web3-shh@1.10.4 against the relay', () => {
  it('version, info, keys', async () => {
    expect(await shh.getVersion()).toBe('6.0');
    const info = await shh.getInfo();
    expect(info).toMatchObject({ minPow: 0.2, maxMessageSize: 65536 });
    const id = await shh.newSymKey();
    expect(await shh.hasSymKey(id)).toBe(true);
    expect(await shh.hasSymKey('00'.repeat(32))).toBe(false);
  });

  it('subscribe, post, receive exactly once', async () => {
    const symKeyID = await shh.newSymKey();
    const got: Web3Message[] = [];
    const sub = shh.subscribe('messages', { symKeyID, topics: ['0x5eed0002'] });
    await new Promise<void>((resolve, reject) => {
      sub.on('connected', () => resolve());
      sub.on('error', reject);
    });
    sub.on('data', (m) => got.push(m));
    const hash = await shh.post({ symKeyID, ttl: 60, topic: '0x5eed0002', payload: '0x7765623368', powTime: 5, powTarget: 0.25 });
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200)); // room for a wrong second delivery
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ payload: '0x7765623368', topic: '0x5eed0002', ttl: 60, hash });
    await sub.unsubscribe();
  }, 20_000);

  it('a geth error reaches web3 as a rejection', async () => {
    await expect(shh.post({ symKeyID: 'ff'.repeat(32), ttl: 60, topic: '0x5eed0002', payload: '0x01', powTime: 1, powTarget: 0.25 })).rejects.toThrow(
      /non-existent key ID|invalid/i,
    );
  });
});
