import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { FRAGMENT_DATA_SIZE } from '../../../src/core/mix/constants.ts';
import { isMixError } from '../../../src/core/mix/errors.ts';
import { expBase } from '../../../src/core/mix/kdf.ts';
import { peelFrame } from '../../../src/core/mix/packet.ts';
import { ReplayCache } from '../../../src/core/mix/replay.ts';
import { MixClient } from '../../../src/net/mix/client.ts';
import { signKeyRecord, verifyKeyRecord, type VerifiedKeyRecord } from '../../../src/net/mix/key-record.ts';
import { LoopTracker } from '../../../src/net/mix/loops.ts';
import type { MixClock } from '../../../src/net/mix/mix-node.ts';
import { selectPath } from '../../../src/net/mix/path.ts';
import { SendClock, type SentKind } from '../../../src/net/mix/send-clock.ts';
import { hex, seeded } from '../../core/mix/helpers.ts';

/** A clock whose timers fire only when the test advances it. */
class ManualClock implements MixClock {
  t = 0;
  #timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now = (): number => this.t;
  setTimer = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: this.t + ms, fn, live: true };
    this.#timers.push(timer);
    return () => void (timer.live = false);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.#timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      next.live = false;
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    this.#timers = this.#timers.filter((x) => x.live);
  }
}

const HOUR = 3_600_000;
interface Relay {
  record: VerifiedKeyRecord;
  secretKey: Uint8Array;
}
async function relays(n: number, seed = 'r'): Promise<Relay[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const secretKey = seeded(`${seed} mix ${i}`)(32);
      const rec = await signKeyRecord(await generateKeyPair('Ed25519'), { mixKey: expBase(secretKey), notBefore: 0, notAfter: HOUR });
      return { record: await verifyKeyRecord(rec, 1), secretKey };
    }),
  );
}

describe('send clock', () => {
  it('ticks on a Poisson clock, one frame a tick, real frames in the place of the next cover', () => {
    const clock = new ManualClock();
    const sent: SentKind[] = [];
    const at: number[] = [];
    const sc = new SendClock({
      clock,
      randomBytes: seeded('clock'),
      rateHz: 0.2,
      loopShare: 0.5,
      cover: () => new Uint8Array(1),
      send: async (_, kind) => void (sent.push(kind), at.push(clock.t)),
    });
    sc.start();
    clock.advance(2000 * 5000);
    const gaps = at.map((t, i) => t - (at[i - 1] ?? 0));
    const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
    expect(mean).toBeGreaterThan(4500);
    expect(mean).toBeLessThan(5500);
    const loops = sent.filter((k) => k === 'loop').length / sent.length;
    expect(loops).toBeGreaterThan(0.45);
    expect(loops).toBeLessThan(0.55);
    const ticks = sc.ticks;
    sc.enqueue(new Uint8Array(2), new Uint8Array(3));
    const before = sent.length;
    while (sc.ticks < ticks + 3) clock.advance(100);
    expect(sent.slice(before, before + 2)).toEqual(['real', 'real']);
    expect(sent.length - before).toBe(sc.ticks - ticks); // the real frames took cover ticks; no extra frames
    const stopped = sent.length;
    sc.stop();
    clock.advance(100_000);
    expect(sent.length).toBe(stopped);
  });
});

describe('path selection', () => {
  it('picks MAX_HOPS distinct relays, fewer only when fewer exist, and says so', async () => {
    const rs = (await relays(5)).map((r) => r.record);
    for (let i = 0; i < 20; i++) {
      const c = selectPath(rs, { randomBytes: seeded(`p${i}`), now: 1 });
      expect(c.path.length).toBe(3);
      expect(new Set(c.path.map((h) => hex(h.nodeId))).size).toBe(3);
      expect(c.short).toBe(false);
    }
    const two = selectPath(rs.slice(0, 2), { randomBytes: seeded('two'), now: 1 });
    expect([two.path.length, two.short, two.available]).toEqual([2, true, 2]);
    expect(selectPath(rs, { randomBytes: seeded('late'), now: HOUR + 1 }).path).toEqual([]); // all expired
  });

  it('keeps the entry first and the exit last, and spreads operators where it can', async () => {
    const rs = (await relays(6)).map((r) => r.record);
    const op = (r: VerifiedKeyRecord) => `op${rs.indexOf(r) % 3}`;
    for (let i = 0; i < 20; i++) {
      const c = selectPath(rs, { randomBytes: seeded(`o${i}`), now: 1, first: rs[0]!.nodeId, exit: rs[4]!.nodeId, operatorOf: op });
      expect(c.path[0]!.nodeId).toEqual(rs[0]!.nodeId);
      expect(c.path[2]!.nodeId).toEqual(rs[4]!.nodeId);
      const ops = c.path.map((h) => op(rs.find((r) => r.nodeId === h.nodeId)!));
      expect(new Set(ops).size).toBe(3);
    }
  });

  it('anyExit: the exit is any relay, the entry as often as the others, so where a post leaves says nothing of where it came in', async () => {
    const rs = (await relays(3)).map((r) => r.record);
    const E = hex(rs[0]!.nodeId);
    const exits = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const c = selectPath(rs, { randomBytes: seeded(`x${i}`), now: 1, first: rs[0]!.nodeId, anyExit: true });
      const ids = c.path.map((h) => hex(h.nodeId));
      expect([ids.length, ids[0], c.short]).toEqual([3, E, false]);
      expect(new Set(ids.slice(0, 2)).size + new Set(ids.slice(1)).size).toBe(4); // consecutive hops differ
      exits.set(ids[2]!, (exits.get(ids[2]!) ?? 0) + 1);
    }
    expect(exits.size).toBe(3);
    for (const n of exits.values()) expect(n).toBeGreaterThan(150); // each about 200 of 600
    // One relay only: the entry alone, and said to be short.
    const one = selectPath(rs.slice(0, 1), { randomBytes: seeded('one'), now: 1, first: rs[0]!.nodeId, anyExit: true });
    expect([one.path.length, one.short]).toEqual([1, true]);
  });
});

describe('loops and the client', () => {
  it('a loop that never comes back is counted lost; frames not awaited are not recognised; pending is bounded', () => {
    let now = 0;
    const t = new LoopTracker({ now: () => now, timeoutMs: 1000 });
    const frame = new Uint8Array(1024).fill(1);
    t.expect(new Uint8Array(32)); // never comes back
    now = 1001;
    expect(t.stats()).toEqual({ sent: 1, returned: 0, lost: 1, pending: 0 });
    expect(t.recognise(frame)).toBe(false);
    const small = new LoopTracker({ now: () => now, timeoutMs: 1000, maxPending: 2 });
    for (let i = 0; i < 3; i++) small.expect(new Uint8Array(32).fill(i));
    expect(small.stats()).toEqual({ sent: 3, returned: 0, lost: 1, pending: 2 });
  });

  it('posts over entry → relay → exit, one exit for every fragment; loops come back to the client', async () => {
    const rs = await relays(4, 'client');
    const clock = new ManualClock();
    const sent: Array<{ frame: Uint8Array; kind: SentKind }> = [];
    const ownId = seeded('own id')(32);
    const client = new MixClient({
      clock,
      randomBytes: seeded('client'),
      ownId,
      entry: () => rs[0]!.record.nodeId,
      records: () => rs.map((r) => r.record),
      send: async (frame, kind) => void sent.push({ frame, kind }),
      settings: { rateHz: 1, loopShare: 1 },
    });
    const envelope = seeded('env')(FRAGMENT_DATA_SIZE + 10);
    expect(client.post(envelope)).toEqual({ frames: 2, hops: 3, short: false });
    client.start();
    while (sent.length < 3) clock.advance(500);
    client.stop();
    const byId = new Map(rs.map((r) => [hex(r.record.nodeId), r]));
    const run = (frame: Uint8Array) => {
      let f = frame;
      let key = rs[0]!.secretKey;
      const exits: string[] = [];
      for (;;) {
        const p = peelFrame(f, [{ secretKey: key, replay: new ReplayCache(10) }]);
        if (p.kind !== 'relay') return { p, exits };
        exits.push(hex(p.next));
        key = byId.get(hex(p.next))!.secretKey;
        f = p.frame;
      }
    };
    const [r1, r2, cover] = sent;
    expect([r1!.kind, r2!.kind, cover!.kind]).toEqual(['real', 'real', 'loop']);
    const a = run(r1!.frame);
    const b = run(r2!.frame);
    expect(a.p.kind).toBe('gossip');
    expect(a.exits.at(-1)).toBe(b.exits.at(-1)); // one exit for the whole envelope
    const loop = run(cover!.frame);
    expect(loop.exits.at(-1)).toBe(hex(rs[0]!.record.nodeId)); // back through the entry
    expect(loop.p.kind).toBe('loop');
    if (loop.p.kind !== 'loop') return;
    expect(loop.p.to).toEqual(ownId);
    expect(client.recognise(loop.p.frame)).toBe(true);
    expect(client.recognise(loop.p.frame)).toBe(false);
    expect(client.loopStats()).toMatchObject({ sent: 1, returned: 1, lost: 0 });
  });

  it('a post with no entry relay or no record for it throws bad-path and queues nothing', async () => {
    const rs = await relays(2, 'none');
    const base = { clock: new ManualClock(), randomBytes: seeded('n'), ownId: new Uint8Array(32), records: () => rs.map((r) => r.record), send: async () => {}, settings: { rateHz: 1 } };
    for (const entry of [undefined, new Uint8Array(32).fill(9)]) {
      const c = new MixClient({ ...base, entry: () => entry });
      let code: string | undefined;
      try {
        c.post(new Uint8Array(10));
      } catch (e) {
        code = isMixError(e) ? e.code : 'other';
      }
      expect(code).toBe('bad-path');
      expect(c.queued).toBe(0);
    }
    const short = new MixClient({ ...base, entry: () => rs[0]!.record.nodeId });
    // Two relays: back to the entry through the other (3 hops), or out by the other (2 hops, said short).
    expect([{ frames: 1, hops: 3, short: false }, { frames: 1, hops: 2, short: true }]).toContainEqual(short.post(new Uint8Array(10)));
    expect(short.settings).toEqual({ rateHz: 1, loopShare: 0.5, hops: 3, loopTimeoutMs: 90_000 });
    expect(() => new MixClient({ ...base, entry: () => undefined, settings: { hops: 4 } })).toThrow(RangeError);
  });
});
