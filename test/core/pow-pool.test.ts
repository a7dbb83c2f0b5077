import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../src/core/bytes.ts';
import type { EnvelopeParams } from '../../src/core/envelope.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { envelopePow } from '../../src/core/pow.ts';
import { PowPool, type PowWorkerPort } from '../../src/core/pow-pool.ts';
import { createPowWorkerHandler, type PowBatchRequest, type PowWorkerReply } from '../../src/core/pow-worker.ts';

const params: EnvelopeParams = {
  expiry: 1_700_000_050,
  ttl: 50,
  topic: fromHex('01020304', false),
  data: new Uint8Array(200).fill(9),
};

interface FakeWorld {
  readonly spawned: number;
  readonly posts: Array<{ worker: number; request: PowBatchRequest }>;
  readonly terminated: Set<number>;
}

/** In-process workers: the real handler behind a macrotask, with optional misbehaviour. */
function fakeSpawner(misbehave?: (worker: number, r: PowBatchRequest) => 'crash' | PowWorkerReply | undefined) {
  const world = { spawned: 0, posts: [] as FakeWorld['posts'], terminated: new Set<number>() };
  const spawn = (): PowWorkerPort => {
    const worker = world.spawned++;
    const handle = createPowWorkerHandler();
    let onMessage: (m: unknown) => void = () => {};
    let onError: (e: Error) => void = () => {};
    return {
      postMessage(request) {
        world.posts.push({ worker, request });
        const copy = structuredClone(request);
        setTimeout(() => {
          if (world.terminated.has(worker)) return;
          const bad = misbehave?.(worker, copy);
          if (bad === 'crash') onError(new Error(`worker ${worker} crashed`));
          else onMessage(bad ?? handle(copy));
        }, 0);
      },
      listen(m, e) {
        onMessage = m;
        onError = e;
      },
      terminate: () => world.terminated.add(worker),
    };
  };
  return { world: world as FakeWorld, spawn };
}

let pool: PowPool | undefined;
afterEach(() => pool?.stop());

function started(spawn: () => PowWorkerPort, size = 3, batchMs = 5): PowPool {
  pool = new PowPool({ spawn, size, batchMs });
  pool.start();
  return pool;
}

const reason = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => e);

describe('PowPool', () => {
  it('seals to the target on disjoint nonce ranges, sending the input once per worker', async () => {
    const { world, spawn } = fakeSpawner();
    const e = await started(spawn).seal(params, { target: 2, timeMs: 20_000 });
    expect(envelopePow(e)).toBeGreaterThanOrEqual(2);
    const ranges = world.posts.map((p) => p.request).sort((a, b) => (a.start < b.start ? -1 : 1));
    expect(ranges[0]!.start).toBe(0n);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.start).toBe(ranges[i - 1]!.start + BigInt(ranges[i - 1]!.count));
    expect(e.nonce).toBeLessThan(ranges.at(-1)!.start + BigInt(ranges.at(-1)!.count));
    const withInput = world.posts.filter((p) => p.request.short);
    expect(withInput.map((p) => p.worker).sort()).toEqual([0, 1, 2]);
  });

  it('target 0 needs no work: nonce 0', async () => {
    const { world, spawn } = fakeSpawner();
    expect((await started(spawn).seal(params, { target: 0, timeMs: 0 })).nonce).toBe(0n);
    expect(world.posts).toEqual([]);
  });

  it('an abort rejects promptly with aborted, and the next seal still runs', async () => {
    const { spawn } = fakeSpawner();
    const p = started(spawn);
    const c = new AbortController();
    const t0 = performance.now();
    setTimeout(() => c.abort(), 20);
    const err = await reason(p.seal(params, { target: 1e60, timeMs: 60_000, signal: c.signal }));
    expect(isWhisperError(err, 'aborted')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(500);
    const already = new AbortController();
    already.abort();
    expect(isWhisperError(await reason(p.seal(params, { target: 1, timeMs: 1000, signal: already.signal })), 'aborted')).toBe(true);
    expect(envelopePow(await p.seal(params, { target: 0.5, timeMs: 20_000 }))).toBeGreaterThanOrEqual(0.5);
  });

  it('an impossible target rejects pow-timeout with geth text once the budget is spent', async () => {
    const { spawn } = fakeSpawner();
    const progress: number[] = [];
    const err = await reason(started(spawn).seal(params, { target: 1e60, timeMs: 150, onProgress: (p) => progress.push(p.hashes) }));
    expect(isWhisperError(err, 'pow-timeout')).toBe(true);
    expect((err as Error).message).toBe('failed to reach the PoW target, specified pow time (0.15 seconds) was insufficient');
    expect(progress.length).toBeGreaterThan(3);
  });

  it('queued seals complete first in, first out', async () => {
    const { spawn } = fakeSpawner();
    const p = started(spawn);
    const order: number[] = [];
    const a = p.seal(params, { target: 1, timeMs: 20_000 }).then((e) => (order.push(1), e));
    const b = p.seal({ ...params, expiry: params.expiry + 1 }, { target: 1, timeMs: 20_000 }).then((e) => (order.push(2), e));
    const [ea, eb] = await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
    expect(envelopePow(ea)).toBeGreaterThanOrEqual(1);
    expect(envelopePow(eb)).toBeGreaterThanOrEqual(1);
    expect(eb.expiry).toBe(params.expiry + 1);
  });

  it('replaces a crashed worker and retries its batch on another', async () => {
    const { world, spawn } = fakeSpawner((w, r) => (w === 0 && r.short ? 'crash' : undefined));
    const e = await started(spawn).seal(params, { target: 2, timeMs: 20_000 });
    expect(envelopePow(e)).toBeGreaterThanOrEqual(2);
    expect(world.spawned).toBe(4);
    expect(world.terminated.has(0)).toBe(true);
    const lost = world.posts.find((p) => p.worker === 0)!.request;
    expect(world.posts.some((p) => p.worker !== 0 && p.request.start === lost.start && p.request.count === lost.count)).toBe(true);
  });

  it('gives up with a clear error when workers keep crashing', async () => {
    const { world, spawn } = fakeSpawner(() => 'crash');
    const err = await reason(started(spawn, 2).seal(params, { target: 1, timeMs: 20_000 }));
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/workers crashed 4 times during one seal: worker \d+ crashed/);
    expect(world.spawned).toBeGreaterThanOrEqual(6);
  });

  it("passes a worker's error reply on", async () => {
    const { spawn } = fakeSpawner((_, r) => ({ type: 'error', id: r.id, message: 'pow worker: out of memory' }));
    const err = await reason(started(spawn).seal(params, { target: 1, timeMs: 20_000 }));
    expect((err as Error).message).toBe('pow worker: out of memory');
  });

  it('ignores replies that do not answer the batch in flight, and replaces a worker that hangs', async () => {
    const { world, spawn } = fakeSpawner((_, r) => ({ type: 'result', id: r.id + 1000, nonce: 1n, zeros: 256, found: true, elapsedMs: 1 }));
    pool = new PowPool({ spawn, size: 1, stallMs: 20, maxCrashes: 2 });
    pool.start();
    const err = await reason(pool.seal(params, { target: 1, timeMs: 60_000 }));
    expect((err as Error).message).toMatch(/crashed 3 times during one seal: pow worker did not answer within 20 ms/);
    expect(world.spawned).toBe(4);
  });

  it('settles pow-timeout on time even while a batch is still in flight', async () => {
    const { spawn } = fakeSpawner((_, r) => (r.short ? { type: 'result', id: -5, nonce: 0n, zeros: 0, found: false, elapsedMs: 1 } : undefined));
    pool = new PowPool({ spawn, size: 1, stallMs: 10_000 });
    pool.start();
    const t0 = performance.now();
    const err = await reason(pool.seal(params, { target: 1e60, timeMs: 100 }));
    expect(isWhisperError(err, 'pow-timeout')).toBe(true);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(99);
    expect(took).toBeLessThan(5000); // not held until the 10 s stall detection
  });

  it('start/stop: seal before start rejects, stop rejects pending seals with aborted and terminates', async () => {
    const { world, spawn } = fakeSpawner();
    const p = new PowPool({ spawn, size: 2 });
    expect(String(await reason(p.seal(params, { target: 1, timeMs: 1000 })))).toMatch(/before start/);
    p.start();
    const pending = reason(p.seal(params, { target: 1e60, timeMs: 60_000 }));
    const queued = reason(p.seal(params, { target: 1e60, timeMs: 60_000 }));
    p.stop();
    expect(isWhisperError(await pending, 'aborted')).toBe(true);
    expect(isWhisperError(await queued, 'aborted')).toBe(true);
    expect([...world.terminated].sort()).toEqual([0, 1]);
  });

  it('rejects misuse', async () => {
    const { spawn } = fakeSpawner();
    expect(() => new PowPool({ spawn, size: 0 })).toThrow(RangeError);
    expect(() => new PowPool({ spawn: undefined as unknown as () => PowWorkerPort, size: 1 })).toThrow(TypeError);
    const p = started(spawn);
    expect(await reason(p.seal(params, { target: -1, timeMs: 1 }))).toBeInstanceOf(RangeError);
    expect(await reason(p.seal({ ...params, ttl: -1 }, { target: 1, timeMs: 1 }))).toBeInstanceOf(RangeError);
  });

  it('lazy (idleMs): no worker until the first seal, all stopped once idle that long, spawned again by the next seal', async () => {
    const { world, spawn } = fakeSpawner();
    pool = new PowPool({ spawn, size: 2, batchMs: 5, idleMs: 50 });
    pool.start();
    expect(pool.workers).toBe(0);
    expect(world.spawned).toBe(0);
    const e = await pool.seal(params, { target: 0.5, timeMs: 5000 });
    expect(envelopePow(e)).toBeGreaterThanOrEqual(0.5);
    expect(world.spawned).toBe(2);
    await waitUntil(() => pool!.workers === 0);
    expect(world.terminated.size).toBe(2);
    await pool.seal(params, { target: 0.5, timeMs: 5000 });
    expect(world.spawned).toBe(4);
  });
});

async function waitUntil(ok: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
