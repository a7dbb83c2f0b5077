import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../src/core/bytes.ts';
import type { EnvelopeParams } from '../../src/core/envelope.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { envelopePow } from '../../src/core/pow.ts';
import { PowPool } from '../../src/core/pow-pool.ts';
import { createNodePowPool, wrapNodeWorker } from '../../relay/pow-pool-node.ts';

const params: EnvelopeParams = {
  expiry: 1_700_000_050,
  ttl: 50,
  topic: fromHex('01020304', false),
  data: new Uint8Array(1000).fill(3),
};
const ENTRY = new URL('../../relay/pow-worker-node.ts', import.meta.url);
const reason = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => e);

let pool: PowPool | undefined;
afterEach(() => pool?.stop());

describe('PowPool on worker_threads', () => {
  it('seals to a target; the result verifies with envelopePow', async () => {
    pool = createNodePowPool({ size: 2 });
    pool.start();
    const e = await pool.seal(params, { target: 2, timeMs: 30_000 });
    expect(envelopePow(e)).toBeGreaterThanOrEqual(2);
  });

  it('two concurrent seals both complete; abort rejects promptly; an impossible target times out', async () => {
    pool = createNodePowPool({ size: 2 });
    pool.start();
    const [a, b] = await Promise.all([
      pool.seal(params, { target: 1, timeMs: 30_000 }),
      pool.seal({ ...params, ttl: 60 }, { target: 1, timeMs: 30_000 }),
    ]);
    expect(envelopePow(a)).toBeGreaterThanOrEqual(1);
    expect(envelopePow(b)).toBeGreaterThanOrEqual(1);
    expect(b.ttl).toBe(60);

    const c = new AbortController();
    const t0 = performance.now();
    setTimeout(() => c.abort(), 50);
    expect(isWhisperError(await reason(pool.seal(params, { target: 1e60, timeMs: 60_000, signal: c.signal })), 'aborted')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2000);

    const err = await reason(pool.seal(params, { target: 1e60, timeMs: 200 }));
    expect(isWhisperError(err, 'pow-timeout')).toBe(true);
  });

  it('replaces a killed worker and still seals', async () => {
    const workers: Worker[] = [];
    pool = new PowPool({
      size: 2,
      spawn: () => {
        const w = new Worker(ENTRY);
        workers.push(w);
        return wrapNodeWorker(w);
      },
    });
    pool.start();
    const sealing = pool.seal(params, { target: 1e60, timeMs: 600 });
    await new Promise((r) => setTimeout(r, 150));
    await workers[0]!.terminate(); // killed from outside the pool
    expect(isWhisperError(await reason(sealing), 'pow-timeout')).toBe(true);
    expect(workers.length).toBe(3);
    const e = await pool.seal(params, { target: 1, timeMs: 30_000 });
    expect(envelopePow(e)).toBeGreaterThanOrEqual(1);
  });
});
