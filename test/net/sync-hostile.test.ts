// A peer that lies in catch-up (hostile peers): endless ranges, huge counts, slow drip, played
// by hand-written /shh/6/sync/1.0.0 handlers against a real CatchUp on a WhisperPeer's node and pool.
// Each lie must end within the session's caps (rounds, ids, envelopes, read and session deadlines),
// allocate nothing in proportion to what it claims, and leave the victim serving everyone else.
import v8 from 'node:v8';
import vm from 'node:vm';
import { lpStream } from '@libp2p/utils';
import type { Stream } from '@libp2p/interface';
import { afterEach, describe, expect, it } from 'vitest';
import { SYNC_MAX_IDS, SYNC_PROTOCOL, SYNC_VERSION } from '../../src/core/constants.ts';
import { isWhisperError, type WhisperError } from '../../src/core/errors.ts';
import { encodeEnd, encodeMark, ReconcileWriter } from '../../src/net/sync/codec.ts';
import { CatchUp, type CatchUpInit } from '../../src/net/sync/catch-up.ts';
import { INFINITE_BOUND } from '../../src/net/sync/items.ts';
import { SYNC_DEFAULTS } from '../../src/net/sync/service.ts';
import type { WhisperPeer } from '../../src/net/peer.ts';
import { connect, createPeers, envelopeRlp, now, sleep, waitFor } from './helpers.ts';
import { createSyncNode, prng, type SyncTestNode } from './sync-helpers.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** Live JS heap plus ArrayBuffers (Uint8Arrays live outside the heap), after a full collection. */
function liveBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
/**
 * Runs `f` and returns the highest live-bytes reading while it ran (sampled every 2 ms, no forced
 * GC in between, so garbage counts too: an upper bound), minus the reading before it.
 */
async function peakGrowth(f: () => Promise<unknown>): Promise<number> {
  const before = liveBytes();
  let peak = before;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
  }, 2);
  try {
    await f();
  } finally {
    clearInterval(timer);
  }
  const m = process.memoryUsage();
  return Math.max(peak, m.heapUsed + m.arrayBuffers) - before;
}
const MiB = 1024 * 1024;
/** The figures docs/BENCHMARKS.md "Hostile peers" quotes. */
const report = (what: string, value: string): void => console.log(`[sync-hostile] ${what}: ${value}`);
const mib = (n: number): string => `${(n / MiB).toFixed(2)} MiB`;

const IO_TIMEOUT = 1000;
const SESSION_TIMEOUT = 3000;

let running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of running.reverse()) await r.stop();
  running = [];
});

/** The victim: a WhisperPeer holding `held` envelopes, with catch-up on short deadlines. */
async function victim(held = 40): Promise<{ peer: WhisperPeer; catchUp: CatchUp; errors: WhisperError[] }> {
  const [peer] = await createPeers(1);
  running.push(peer!);
  for (let i = 0; i < held; i++) await peer!.publish(envelopeRlp(3000 + i));
  const errors: WhisperError[] = [];
  const init: CatchUpInit = {
    node: peer!.node,
    pool: peer!.pool,
    admission: peer!.admission,
    now,
    sync: { ioTimeout: IO_TIMEOUT, sessionTimeout: SESSION_TIMEOUT },
    onError: (e) => {
      if (isWhisperError(e)) errors.push(e);
    },
  };
  const catchUp = new CatchUp(init);
  await catchUp.start();
  running.unshift({ stop: () => catchUp.stop() }); // stopped after the peers' nodes are gone: reversed
  return { peer: peer!, catchUp, errors };
}

/** A bare libp2p node connected to the victim, answering sync streams with `handler`. */
async function hostile(v: WhisperPeer, handler?: (stream: Stream) => Promise<void>): Promise<{ node: SyncTestNode; sessions: () => number }> {
  const node = await createSyncNode();
  running.push(node as { stop(): Promise<void> });
  let sessions = 0;
  if (handler)
    await node.handle(SYNC_PROTOCOL, (stream) => {
      sessions++;
      handler(stream).catch(() => {});
    });
  await node.dial(v.getMultiaddrs()[0]!);
  return { node, sessions: () => sessions };
}

const randomFingerprint = (rand: () => number): Uint8Array => new Uint8Array(16).map(() => rand() & 0xff);

describe('catch-up against a lying peer: endless ranges', () => {
  it('a responder that never converges: the victim stops at maxRounds, reports, and does not sync again', async () => {
    const v = await victim();
    const rand = prng(1);
    let rounds = 0;
    const h = await hostile(v.peer, async (stream) => {
      const lp = lpStream(stream);
      for (;;) {
        const f = (await lp.read()).subarray();
        if (f[1] !== 0) return;
        rounds++;
        // "Everything differs": one fingerprint over the whole order, never the victim's.
        const w = new ReconcileWriter();
        w.fingerprint(INFINITE_BOUND, randomFingerprint(rand));
        await lp.write(w.finish());
      }
    });
    await v.catchUp.syncWith(h.node.peerId); // never throws: failures are reported
    expect(v.errors.map((e) => e.code)).toEqual(['sync-limit']);
    expect(v.errors[0]!.message).toMatch(new RegExp(`more than ${SYNC_DEFAULTS.maxRounds} reconciliation rounds`));
    expect(rounds).toBe(SYNC_DEFAULTS.maxRounds);
    expect(h.sessions()).toBe(1);
    report('endless ranges, hostile responder', `${rounds} rounds answered, then ${v.errors[0]!.message}; sessions ${h.sessions()}`);
  });

  it('an initiator that never converges: the victim answers maxRounds frames, then drops the stream and reports', async () => {
    const v = await victim();
    const h = await hostile(v.peer);
    const lp = lpStream(await h.node.dialProtocol(v.peer.peerId, SYNC_PROTOCOL));
    const rand = prng(2);
    let answered = 0;
    try {
      for (let i = 0; i < 10 * SYNC_DEFAULTS.maxRounds; i++) {
        const w = new ReconcileWriter();
        w.fingerprint(INFINITE_BOUND, randomFingerprint(rand));
        await lp.write(w.finish());
        await lp.read();
        answered++;
      }
    } catch {
      // the victim hung up on the stream
    }
    expect(answered).toBe(SYNC_DEFAULTS.maxRounds);
    await waitFor(() => v.errors.length === 1, 3000, 'reported');
    expect(v.errors[0]!.code).toBe('sync-limit');
    // It may not start over at once: its next session is refused unanswered (misbehaviourCooldown).
    const again = lpStream(await h.node.dialProtocol(v.peer.peerId, SYNC_PROTOCOL));
    const answer = async (): Promise<unknown> => {
      await again.write(new ReconcileWriter().finish());
      return again.read();
    };
    await expect(answer()).rejects.toThrow();
    expect(v.errors).toHaveLength(1);
  });
});

describe('catch-up against a lying peer: huge counts', () => {
  it('a frame length of 2^52 bytes is refused on the length prefix, nothing allocated', async () => {
    const v = await victim();
    const h = await hostile(v.peer, async (stream) => {
      await lpStream(stream).read();
      // uvarint(2^52): seven 0x80 continuation bytes after 0x80... written raw, then a trickle of data
      stream.send(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x08));
      stream.send(new Uint8Array(1024));
    });
    const grew = await peakGrowth(() => v.catchUp.syncWith(h.node.peerId));
    expect(grew).toBeLessThan(4 * MiB);
    expect(v.errors.map((e) => e.code)).toEqual(['bad-sync']);
    report('frame length 2^52', `peak heap growth ${mib(grew)}, ${v.errors[0]!.message}`);
  });

  it('an id list claiming 2^34 ids in a few bytes is refused before any allocation', async () => {
    const v = await victim();
    const h = await hostile(v.peer, async (stream) => {
      const lp = lpStream(stream);
      await lp.read();
      // reconcile: end bound (0), no prefix (0), mode ids (2), count = 2^34 as a 5-byte varint
      await lp.write(Uint8Array.of(SYNC_VERSION, 0, 0, 0, 2, 0xc0, 0x80, 0x80, 0x80, 0x00));
    });
    const grew = await peakGrowth(() => v.catchUp.syncWith(h.node.peerId));
    expect(grew).toBeLessThan(4 * MiB);
    expect(v.errors.map((e) => e.code)).toEqual(['bad-sync']);
    expect(v.errors[0]!.message).toMatch(/ids/);
    report('id list of 2^34', `peak heap growth ${mib(grew)}, ${v.errors[0]!.message}`);
  });

  it('a responder claiming more envelopes than the session may take: the want list stops at maxEnvelopes, memory stays bounded', async () => {
    const v = await victim();
    const rand = prng(3);
    let wanted = 0;
    let liarDone!: () => void;
    const liarFinished = new Promise<void>((r) => (liarDone = r));
    const h = await hostile(v.peer, async (stream) => {
      const lp = lpStream(stream, { maxDataLength: 1 << 20 });
      await lp.read();
      // "I hold all of these", as many ids as one message may carry, made up on the spot.
      const ids = Array.from({ length: SYNC_MAX_IDS }, () => new Uint8Array(32).map(() => rand() & 0xff));
      const w = new ReconcileWriter();
      w.ids(INFINITE_BOUND, ids);
      await lp.write(w.finish());
      for (;;) {
        const f = (await lp.read()).subarray();
        if (f[1] === 1) wanted += (f.length - 4) / 32; // want frames: 2-byte header, 2-byte varint count
        if (f[1] === 3) break;
      }
      await lp.write(encodeEnd()); // and sends none of them
      for (;;) if ((await lp.read()).subarray()[1] === 3) break;
      await stream.close();
      liarDone();
    });
    const before = liveBytes();
    const peak = await peakGrowth(() => v.catchUp.syncWith(h.node.peerId));
    // The liar lives in this process: its made-up ids are freed only once its handler has read our
    // envelopes to the end, which a victim that writes a batch at once may finish before.
    await liarFinished;
    const kept = liveBytes() - before;
    report(
      'responder claiming 15 625 envelopes per session',
      `want list ${wanted}, sessions ${h.sessions()}, peak growth ${mib(peak)} (garbage and the liar's own ids included: same process), kept after GC ${mib(kept)}`,
    );
    // One maximal lie costs a fixed amount, whatever is claimed: at most SYNC_MAX_IDS ids per message
    // and maxEnvelopes differences per session; none of it is kept.
    expect(peak).toBeLessThan(64 * MiB);
    expect(kept).toBeLessThan(4 * MiB);
    expect(wanted).toBe(SYNC_DEFAULTS.maxEnvelopes);
    // Incomplete but nothing moved: CatchUp does not run a second session against it.
    expect(h.sessions()).toBe(1);
  });
});

describe('catch-up against a lying peer: slow drip', () => {
  it('one byte a second inside a frame: the read deadline ends the session', async () => {
    const v = await victim();
    let dripping = true;
    const h = await hostile(v.peer, async (stream) => {
      await lpStream(stream).read();
      stream.send(Uint8Array.of(100)); // announces a 100-byte frame
      while (dripping && stream.status === 'open') {
        stream.send(Uint8Array.of(SYNC_VERSION));
        await sleep(1000);
      }
    });
    const t = Date.now();
    await v.catchUp.syncWith(h.node.peerId);
    dripping = false;
    const took = Date.now() - t;
    expect(v.errors.map((e) => e.code)).toEqual(['sync-limit']);
    expect(v.errors[0]!.message).toMatch(/too slow/);
    report('1 byte/s drip', `ended after ${took} ms (ioTimeout ${IO_TIMEOUT} ms)`);
    expect(took).toBeGreaterThanOrEqual(IO_TIMEOUT - 50);
    expect(took).toBeLessThan(SESSION_TIMEOUT);
  });

  it('a valid frame just inside every read deadline: the session deadline ends it; the victim serves an honest peer meanwhile', async () => {
    const v = await victim();
    let dripping = true;
    const h = await hostile(v.peer, async (stream) => {
      const lp = lpStream(stream);
      await lp.read();
      await lp.write(new ReconcileWriter().finish()); // "nothing to reconcile"
      await lp.read(); // the victim's (empty) want list ends
      // Then batch marks forever, each well inside the read deadline: the victim acknowledges each.
      while (dripping && stream.status === 'open') {
        await lp.write(encodeMark());
        await lp.read();
        await sleep(IO_TIMEOUT / 2);
      }
    });
    const [honest] = await createPeers(1);
    running.push(honest!);
    const honestCatchUp = new CatchUp({ node: honest!.node, pool: honest!.pool, admission: honest!.admission, now });
    await honestCatchUp.start();
    running.push({ stop: () => honestCatchUp.stop() });
    await connect(honest!, v.peer);

    const t = Date.now();
    const drip = v.catchUp.syncWith(h.node.peerId);
    await sleep(500);
    // Meanwhile: an honest peer catches up from the victim (victim as responder) in full.
    await honestCatchUp.syncWith(v.peer.peerId);
    expect(honest!.pool.size).toBe(v.peer.pool.size);
    expect(Date.now() - t).toBeLessThan(SESSION_TIMEOUT);
    await drip;
    dripping = false;
    const took = Date.now() - t;
    expect(v.errors.map((e) => e.code)).toEqual(['sync-limit']);
    expect(v.errors[0]!.message).toMatch(/session timed out/);
    report('valid frame every 500 ms', `ended after ${took} ms (sessionTimeout ${SESSION_TIMEOUT} ms); honest peer caught up ${honest!.pool.size} envelopes meanwhile`);
    expect(took).toBeGreaterThanOrEqual(SESSION_TIMEOUT - 50);
    expect(took).toBeLessThan(SESSION_TIMEOUT + 2 * IO_TIMEOUT);
  });
});
