// PeerHost on the libp2p memory transport ('test' role) with fake-indexeddb: two hosts, one acting
// as the other's relay. Checks durability before posting, catch-up of envelopes posted while the
// other was away, gossip once connected, reload and re-validation at start, redial, expiry cleanup.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { PowPool, type PowWorkerPort } from '../../src/core/pow-pool.ts';
import { createPowWorkerHandler } from '../../src/core/pow-worker.ts';
import type { VerifiedEnvelope } from '../../src/core/validate.ts';
import { PeerHost, type PeerHostInit } from '../../src/peer/peer-host.ts';
import { openWhisperDb, type WhisperDatabase } from '../../src/store/db.ts';
import { makeEnvelope, testBytes } from '../core/fixtures.ts';
import { waitFor } from '../net/helpers.ts';

const T0 = 1_700_000_000;
let clock = T0 * 1000;
const now = (): number => clock;

function inProcessWorker(): PowWorkerPort {
  const handle = createPowWorkerHandler();
  let onMessage: (m: unknown) => void = () => {};
  return {
    postMessage: (m) => void setTimeout(() => onMessage(handle(structuredClone(m))), 0),
    listen: (m) => void (onMessage = m),
    terminate: () => {},
  };
}

let dbCount = 0;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  clock = T0 * 1000;
});

async function host(init: Partial<PeerHostInit> & { db?: WhisperDatabase } = {}): Promise<PeerHost> {
  const db = init.db ?? (await openWhisperDb(`peer-host-${dbCount++}`));
  const h = new PeerHost({
    db,
    relays: [],
    pow: new PowPool({ spawn: inProcessWorker, size: 1, batchMs: 5 }),
    now,
    nodeInit: { role: 'test', gossip: { heartbeatInterval: 100 } },
    redialMinMs: 20,
    redialMaxMs: 100,
    ...init,
  });
  await h.start();
  cleanup.push(() => h.stop());
  if (!init.db) cleanup.push(() => db.close());
  return h;
}

const envelope = (seed: number, ttl = 60): Uint8Array =>
  encodeEnvelope(makeEnvelope({ now: T0, ttl, data: testBytes(seed)(48) }));
async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const addrOf = (h: PeerHost): string => h.peer.getMultiaddrs()[0]!.toString();
const hashes = (es: Iterable<{ hash: Uint8Array }>): string[] => [...es].map((e) => toHex(e.hash)).sort();

describe('PeerHost', () => {
  it('post writes to IndexedDB before it counts, and refuses invalid and duplicate envelopes', async () => {
    const a = await host();
    const rlp = envelope(1);
    const e = await a.post(rlp);
    expect((await a.store.live(T0)).map((r) => r.hash)).toEqual([toHex(e.hash)]);
    expect(hashes(a.envelopes())).toEqual([toHex(e.hash)]);
    await expect(a.post(rlp)).rejects.toSatisfy((x: unknown) => isWhisperError(x, 'duplicate'));
    await expect(a.post(Uint8Array.of(0xc0))).rejects.toSatisfy((x: unknown) => isWhisperError(x));
    const weak = encodeEnvelope(makeEnvelope({ now: T0, target: 0, data: testBytes(9)(48) }));
    await a.post(weak).then(
      () => {
        throw new Error('a PoW-less envelope was accepted');
      },
      (x: unknown) => expect(isWhisperError(x, 'low-pow')).toBe(true),
    );
    expect(await a.store.count()).toBe(1);
  });

  it('a dark post never takes the plain path: without a mix path it fails -32000 naming why, and is neither pooled nor stored', async () => {
    const a = await host({ dark: true });
    const missing = 'no mix path: connected to no relay with a mix key record (0 relays with mix keys known)';
    expect(a.status().dark).toMatchObject({ enabled: true, running: true, hops: 0, wantHops: 3, relaysKnown: 0, missing });
    await expect(a.post(envelope(3), { dark: true })).rejects.toMatchObject({ code: -32000, message: `dark post not sent: ${missing}` });
    await a.configure({ dark: false });
    await expect(a.post(envelope(3), { dark: true })).rejects.toMatchObject({ code: -32000, message: 'dark post not sent: dark sending is off in the extension settings' });
    await expect(a.post(Uint8Array.of(0xc0), { dark: true })).rejects.toSatisfy((x: unknown) => isWhisperError(x));
    expect(a.envelopes()).toEqual([]);
    expect(await a.store.count()).toBe(0);
    await expect(a.configure({ dark: 'yes' as never })).rejects.toThrow(TypeError);
  });

  it('a failed write refuses the post with -32603 and nothing enters the pool', async () => {
    const db = await openWhisperDb(`peer-host-${dbCount++}`);
    const a = await host({ db });
    db.close(); // every later transaction throws
    await expect(a.post(envelope(2))).rejects.toMatchObject({ code: -32603, message: expect.stringContaining('not stored, not sent') });
    expect(a.envelopes()).toEqual([]);
  });

  it('keeps its peer id and its pool across a restart; rows that no longer validate are dropped', async () => {
    const db = await openWhisperDb(`peer-host-${dbCount++}`);
    cleanup.push(() => db.close());
    const a = new PeerHost({ db, relays: [], pow: new PowPool({ spawn: inProcessWorker, size: 1 }), now, nodeInit: { role: 'test' } });
    await a.start();
    const id = a.status().peerId;
    const kept = await a.post(envelope(3, 600));
    await a.post(envelope(4, 10));
    await a.stop();
    // A damaged row, as a disk or another version could leave behind.
    await db.put('envelopes', { hash: '0x' + '00'.repeat(32), expiry: T0 + 100, rlp: Uint8Array.of(1, 2, 3) });
    clock = (T0 + 30) * 1000; // the ttl-10 envelope expired 20 s ago
    const loadedEvents: VerifiedEnvelope[] = [];
    a.addEventListener('envelope', (evt) => loadedEvents.push(evt.detail));
    await a.start();
    cleanup.push(() => a.stop());
    expect(a.status().peerId).toBe(id);
    expect(hashes(a.envelopes())).toEqual([toHex(kept.hash)]);
    expect((await a.store.live(0)).map((r) => r.hash)).toEqual([toHex(kept.hash)]);
    expect(loadedEvents).toEqual([]); // loading is not news: the background asks with `envelopes`
  });

  it('catch-up: what A holds reaches B when B connects; then gossip flows both ways and is stored', async () => {
    const relay = await host();
    const early = await relay.post(envelope(5));
    const b = await host({ relays: [addrOf(relay)] });
    const seen: string[] = [];
    b.addEventListener('envelope', (evt) => seen.push(toHex(evt.detail.hash)));
    await waitFor(() => b.envelopes().length === 1, 10_000, 'catch-up');
    expect(seen).toEqual([toHex(early.hash)]);
    expect((await b.store.live(T0)).map((r) => r.hash)).toEqual([toHex(early.hash)]);
    expect(b.status().relays).toEqual([{ addr: addrOf(relay), connected: true }]);
    await waitFor(() => b.peer.meshPeerCount > 0 && relay.peer.meshPeerCount > 0, 10_000, 'mesh');
    const fromB = await b.post(envelope(6));
    await waitFor(() => relay.envelopes().length === 2, 10_000, 'gossip B -> relay');
    await until(async () => (await relay.store.count()) === 2, 'stored');
    const fromRelay = await relay.post(envelope(7));
    await waitFor(() => b.envelopes().length === 3, 10_000, 'gossip relay -> B');
    expect(hashes(b.envelopes())).toEqual(hashes([early, fromB, fromRelay]));
  });

  it('redials a relay that went away, and catches up on what was posted meanwhile', async () => {
    const relayDb = await openWhisperDb(`peer-host-${dbCount++}`);
    cleanup.push(() => relayDb.close());
    const relay = await host({ db: relayDb });
    const addr = addrOf(relay);
    const b = await host({ relays: [addr] });
    await waitFor(() => b.status().relays[0]!.connected, 10_000, 'connected');
    await relay.stop();
    await waitFor(() => !b.status().relays[0]!.connected, 10_000, 'disconnect seen');
    await relay.start(); // same identity from the same database, so the same memory address
    expect(addrOf(relay)).toBe(addr);
    const missed = await relay.post(envelope(8));
    await waitFor(() => b.envelopes().some((e) => toHex(e.hash) === toHex(missed.hash)), 15_000, 'catch-up after redial');
  });

  it('configure: limits apply at once, bad values are refused, a new relay list redials', async () => {
    const relay = await host();
    const b = await host();
    const statuses: number[] = [];
    b.addEventListener('status', (evt) => statuses.push(evt.detail.relays.length));
    await expect(b.configure({ minPow: -1 })).rejects.toThrow(RangeError);
    await expect(b.configure({ maxSize: 2 << 20 })).rejects.toThrow(RangeError);
    await expect(b.configure({ relays: ['not a multiaddr'] })).rejects.toThrow(TypeError);
    const s = await b.configure({ minPow: 0.5, maxSize: 1000, relays: [addrOf(relay)] });
    expect(s).toMatchObject({ minPow: 0.5, maxSize: 1000, relays: [{ addr: addrOf(relay) }] });
    await waitFor(() => b.status().relays[0]!.connected, 10_000, 'dialled the configured relay');
    expect(statuses.length).toBeGreaterThan(0);
  });

  it('seals with the PoW pool', async () => {
    const a = await host();
    const params = { expiry: T0 + 60, ttl: 60, topic: Uint8Array.of(1, 2, 3, 4), data: testBytes(11)(48) };
    const sealed = await a.seal(params, { target: 0.2, timeMs: 10_000 });
    expect((await a.post(encodeEnvelope(sealed))).pow).toBeGreaterThanOrEqual(0.2);
  });

  it('deletes the row of an envelope once the pool expires it', async () => {
    const a = await host();
    await a.post(envelope(12, 5));
    clock = (T0 + 6) * 1000;
    a.peer.pool.expire();
    await until(async () => (await a.store.count()) === 0, 'row removed');
  });

  it('deletes the rows of envelopes expired together in one transaction', async () => {
    const a = await host();
    for (const seed of [13, 14, 15]) await a.post(envelope(seed, 5));
    await a.post(envelope(16, 600));
    const batches: number[] = [];
    const removeMany = a.store.removeMany.bind(a.store);
    a.store.removeMany = (hashes) => (batches.push(hashes.length), removeMany(hashes));
    clock = (T0 + 6) * 1000;
    a.peer.pool.expire();
    await until(async () => (await a.store.count()) === 1, 'rows removed');
    expect(batches).toEqual([3]);
  });
});
