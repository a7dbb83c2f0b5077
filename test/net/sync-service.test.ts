import { afterEach, describe, expect, it } from 'vitest';
import { lpStream } from '@libp2p/utils';
import type { PeerId } from '@libp2p/interface';
import { SYNC_PROTOCOL, SYNC_VERSION } from '../../src/core/constants.ts';
import { toHex } from '../../src/core/bytes.ts';
import { envelopeHash } from '../../src/core/envelope.ts';
import { isWhisperError, type WhisperError } from '../../src/core/errors.ts';
import { encodeEnd, encodeEnvelopeFrame } from '../../src/net/sync/codec.ts';
import { Reconciler } from '../../src/net/sync/reconciler.ts';
import { registerSync, SyncService, type SyncInit } from '../../src/net/sync/service.ts';
import { createSyncNode, TestPool, testEnvelope, type SyncTestNode } from './sync-helpers.ts';

const T0 = 1_700_000_000;
const now = (): number => T0 * 1000;
const nodes: SyncTestNode[] = [];
const services: SyncService[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  // one at a time: stopping both ends of a connection at once waits out a close timeout
  for (const n of nodes.splice(0)) await n.stop();
});

async function pair() {
  const a = await createSyncNode();
  const b = await createSyncNode();
  nodes.push(a, b);
  await a.dial(b.getMultiaddrs()[0]!);
  return { a, b };
}

async function withSync(node: SyncTestNode, pool: TestPool, init: Partial<SyncInit> = {}) {
  const misbehaved: WhisperError[] = [];
  const service = await registerSync(node, {
    items: pool.items,
    getEnvelope: pool.getEnvelope,
    receive: pool.receive,
    now,
    onMisbehaviour: (_p: PeerId, e: WhisperError) => misbehaved.push(e),
    ...init,
  });
  services.push(service);
  return { service, misbehaved };
}

async function expectCode(p: Promise<unknown>, code: string, message?: RegExp) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isWhisperError(e), String(e)).toBe(true);
  expect((e as WhisperError).code).toBe(code);
  if (message) expect((e as Error).message).toMatch(message);
}

const poll = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 250 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(cond(), what).toBe(true);
};

describe('sync over libp2p (memory transport, noise, yamux)', () => {
  it('two pools end with the same live set, expired envelopes stay behind', async () => {
    const { a, b } = await pair();
    const pa = new TestPool();
    const pb = new TestPool();
    for (let i = 0; i < 300; i++) {
      const rlp = testEnvelope(i, T0 + 100 + (i % 50));
      pa.add(rlp);
      pb.add(rlp);
    }
    for (let i = 1000; i < 1040; i++) pa.add(testEnvelope(i, T0 + 500 + i));
    for (let i = 2000; i < 2070; i++) pb.add(testEnvelope(i, T0 + 3 * 86_400));
    const expiredOnB = testEnvelope(3000, T0 - 60); // expired beyond the 20 s tolerance
    pb.add(expiredOnB);
    await withSync(a, pa);
    await withSync(b, pb);
    const sa = services[0]!;

    const r = await sa.syncWith(b.peerId);
    expect(r).toMatchObject({ sent: 40, received: 70, accepted: 70, rejected: 0, complete: true });
    expect(r.rounds).toBeGreaterThanOrEqual(1);
    await poll(() => pb.rlps.size === 300 + 40 + 70 + 1, 'responder got the initiator envelopes');
    const expiredKey = toHex(envelopeHash(expiredOnB), false);
    expect(pa.keys()).toEqual(pb.keys().filter((k) => k !== expiredKey));
    expect(pa.rlps.size).toBe(410); // the expired one did not travel

    // Already in sync: one round trip, nothing moves.
    const again = await sa.syncWith(b.peerId);
    expect(again).toMatchObject({ rounds: 1, sent: 0, received: 0 });
  });

  it('a peer that comes back empty gets every live envelope, in acknowledged batches', async () => {
    const { a, b } = await pair();
    const pa = new TestPool();
    const pb = new TestPool();
    for (let i = 0; i < 800; i++) pb.add(testEnvelope(i, T0 + 1000 + i));
    const { service } = await withSync(a, pa, { batchBytes: 4096, maxMessageBytes: 4096 });
    await withSync(b, pb, { batchBytes: 4096, maxMessageBytes: 4096 });
    const r = await service.syncWith(b.peerId);
    expect(r).toMatchObject({ received: 800, accepted: 800, complete: true });
    expect(r.rounds).toBeGreaterThan(1); // 25 600 bytes of ids do not fit one 4 KiB frame
    expect(pa.keys()).toEqual(pb.keys());
  });

  it('over maxEnvelopes it reports incomplete, and the next session finishes', async () => {
    const { a, b } = await pair();
    const pa = new TestPool();
    const pb = new TestPool();
    for (let i = 0; i < 600; i++) pb.add(testEnvelope(i, T0 + 1000 + i));
    const { service } = await withSync(a, pa, { maxEnvelopes: 200, maxMessageBytes: 4096 });
    await withSync(b, pb, { maxEnvelopes: 200, maxMessageBytes: 4096 });
    const first = await service.syncWith(b.peerId);
    expect(first.complete).toBe(false);
    expect(first.received).toBeLessThanOrEqual(200);
    for (let k = 0; k < 5 && pa.rlps.size < 600; k++) await service.syncWith(b.peerId);
    expect(pa.keys()).toEqual(pb.keys());
  });

  it('invalid envelopes count against the sender; past maxRejects the session aborts', async () => {
    const { a, b } = await pair();
    const pa = new TestPool();
    const pb = new TestPool();
    for (let i = 0; i < 10; i++) pb.add(testEnvelope(i, T0 + 100, true));
    const { service, misbehaved } = await withSync(a, pa, { maxRejects: 3 });
    await withSync(b, pb);
    await expectCode(service.syncWith(b.peerId), 'sync-limit', /more than 3 invalid envelopes/);
    expect(misbehaved.map((e) => e.code)).toEqual(['sync-limit']);
    expect(pa.rlps.size).toBe(0);
  });

  it('rejects within the limit are counted and the session completes', async () => {
    const { a, b } = await pair();
    const pa = new TestPool();
    const pb = new TestPool();
    pb.add(testEnvelope(1, T0 + 100, true));
    pb.add(testEnvelope(2, T0 + 100));
    const { service } = await withSync(a, pa, { maxRejects: 3 });
    await withSync(b, pb);
    expect(await service.syncWith(b.peerId)).toMatchObject({ received: 2, accepted: 1, rejected: 1 });
  });

  it('a responder answering garbage is refused with bad-sync and reported', async () => {
    const { a, b } = await pair();
    await b.handle(SYNC_PROTOCOL, async (stream) => {
      const lp = lpStream(stream);
      await lp.read();
      await lp.write(Uint8Array.of(SYNC_VERSION + 7, 0));
    });
    const { service, misbehaved } = await withSync(a, new TestPool());
    await expectCode(service.syncWith(b.peerId), 'bad-sync', /unknown sync version/);
    expect(misbehaved.map((e) => e.code)).toEqual(['bad-sync']);
  });

  it('a responder pushing envelopes nobody asked for is refused', async () => {
    const { a, b } = await pair();
    await b.handle(SYNC_PROTOCOL, async (stream) => {
      const lp = lpStream(stream);
      const offered = new TestPool();
      offered.add(testEnvelope(8, T0 + 100));
      const rec = new Reconciler(offered.items, { now });
      await lp.write(rec.respond((await lp.read()).subarray())); // "I have envelope 8"
      await lp.read(); // want [8]
      await lp.read(); // end
      await lp.write(encodeEnvelopeFrame(testEnvelope(9, T0 + 100))); // but sends 9
      await lp.write(encodeEnd());
    });
    const { service } = await withSync(a, new TestPool());
    await expectCode(service.syncWith(b.peerId), 'bad-sync', /not asked for/);
  });

  it('a silent responder times out per read', async () => {
    const { a, b } = await pair();
    await b.handle(SYNC_PROTOCOL, async () => {
      await new Promise((r) => setTimeout(r, 2000));
    });
    const { service } = await withSync(a, new TestPool(), { ioTimeout: 150 });
    const t = Date.now();
    await expectCode(service.syncWith(b.peerId), 'sync-limit', /timed out/);
    expect(Date.now() - t).toBeLessThan(1500);
  });

  it('a slow drip inside one frame hits the per-read deadline', async () => {
    const { a, b } = await pair();
    let dripping = true;
    await b.handle(SYNC_PROTOCOL, async (stream) => {
      stream.send(Uint8Array.of(100)); // announces a 100-byte frame, then sends it a byte at a time
      while (dripping && stream.status === 'open') {
        stream.send(Uint8Array.of(SYNC_VERSION));
        await new Promise((r) => setTimeout(r, 40));
      }
    });
    const { service } = await withSync(a, new TestPool(), { ioTimeout: 300 });
    const t = Date.now();
    await expectCode(service.syncWith(b.peerId), 'sync-limit', /timed out/);
    dripping = false;
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('both ends starting a session at once still end with the union', async () => {
    const { a, b } = await pair();
    const pa = new TestPool();
    const pb = new TestPool();
    for (let i = 0; i < 30; i++) pa.add(testEnvelope(i, T0 + 100));
    for (let i = 100; i < 150; i++) pb.add(testEnvelope(i, T0 + 200));
    const { service: sa } = await withSync(a, pa);
    const { service: sb } = await withSync(b, pb);
    await Promise.all([sa.syncWith(b.peerId), sb.syncWith(a.peerId)]);
    await poll(() => pa.rlps.size === 80 && pb.rlps.size === 80, 'both hold the union');
    expect(pa.keys()).toEqual(pb.keys());
  });

  it('an initiator sending hostile frames is refused by the responder and reported', async () => {
    const { a, b } = await pair();
    const { misbehaved } = await withSync(b, new TestPool());
    const stream = await a.dialProtocol(b.peerId, SYNC_PROTOCOL);
    const lp = lpStream(stream);
    await lp.write(Uint8Array.of(SYNC_VERSION, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)); // overlong varint
    await poll(() => misbehaved.length === 1, 'responder reported the peer');
    expect(misbehaved[0]!.code).toBe('bad-sync');
    await expect(lp.read()).rejects.toThrow();
  });

  it('a frame above the cap is refused before it is buffered whole', async () => {
    const { a, b } = await pair();
    const { misbehaved } = await withSync(b, new TestPool(), { maxEnvelopeBytes: 1024 });
    const stream = await a.dialProtocol(b.peerId, SYNC_PROTOCOL);
    const lp = lpStream(stream);
    await lp.write(new Uint8Array(600 * 1024).fill(SYNC_VERSION, 0, 1));
    await poll(() => misbehaved.length === 1, 'responder reported the peer');
    expect(misbehaved[0]!.code).toBe('bad-sync');
  });

  it('the caller can abort; stop() unregisters the protocol', async () => {
    const { a, b } = await pair();
    await b.handle(SYNC_PROTOCOL, async () => {
      await new Promise((r) => setTimeout(r, 1000));
    });
    const { service } = await withSync(a, new TestPool());
    const ctl = new AbortController();
    const p = service.syncWith(b.peerId, { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 50);
    await expectCode(p, 'aborted');
    await service.stop();
    await expectCode(service.syncWith(b.peerId), 'aborted', /not started/);
    const { service: sb } = await withSync(b, new TestPool(), {}).catch(() => ({ service: undefined }));
    expect(sb).toBeUndefined(); // b's own raw handler still holds the protocol
  });

  it('misuse of init throws naming the parameter', () => {
    const pool = new TestPool();
    const base = { items: pool.items, getEnvelope: pool.getEnvelope, receive: pool.receive };
    expect(() => new SyncService({} as never, { ...base, maxRounds: 0 })).toThrow(/maxRounds/);
    expect(() => new SyncService({} as never, { ...base, maxRejects: -1 })).toThrow(/maxRejects/);
    expect(() => new SyncService({} as never, { items: pool.items } as never)).toThrow(TypeError);
  });
});
