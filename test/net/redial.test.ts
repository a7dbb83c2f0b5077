import { peerIdFromString } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import { Redialer } from '../../src/net/redial.ts';

const ID = '12D3KooWEcEWzxN1ivRYmL24Zwc9UPrFSkYnTeAVHcnHJawu5kr2';
const OTHER = '12D3KooWMFCKcpAKdxwWQoK9BBrUaiyeqp8PTAhL5cAYG3kr65S8';
const ADDR = `/ip4/127.0.0.1/tcp/1/ws/p2p/${ID}`;

// A node whose dials fail while `down` is true, and a clock-free sleep that records each delay and
// waits until the test releases it.
function harness() {
  const listeners = new Set<(e: CustomEvent) => void>();
  const waits: { ms: number; release: () => void }[] = [];
  const h = {
    down: true,
    dials: 0,
    delays: [] as number[],
    node: {
      dial: async () => {
        h.dials++;
        if (h.down) throw new Error('connection refused');
        return { remotePeer: peerIdFromString(ID) };
      },
      addEventListener: (_t: string, l: (e: CustomEvent) => void) => listeners.add(l),
      removeEventListener: (_t: string, l: (e: CustomEvent) => void) => listeners.delete(l),
    },
    sleep: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        h.delays.push(ms);
        waits.push({ ms, release: resolve });
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    /** Lets the pending sleep end and the loop run to its next wait. */
    tick: async () => {
      waits.shift()?.release();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
    disconnect: async (id = ID) => {
      for (const l of [...listeners]) l(new CustomEvent('peer:disconnect', { detail: peerIdFromString(id) }));
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
    listeners,
  };
  return h;
}
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('Redialer', () => {
  it('doubles its delay on failure up to the cap, resets on success, redials after a disconnect of that peer only', async () => {
    const h = harness();
    const errors: string[] = [];
    const r = new Redialer(h.node as never, [ADDR], {
      minDelayMs: 1000,
      maxDelayMs: 5000,
      sleep: h.sleep,
      onError: (a, e) => errors.push(`${a} ${(e as Error).message}`),
    });
    r.start();
    await settle();
    for (let i = 0; i < 4; i++) await h.tick();
    expect(h.dials).toBe(5);
    expect(h.delays).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toBe(`${ADDR} connection refused`);

    expect(r.state()).toEqual([{ addr: ADDR, connected: false }]);
    h.down = false;
    await h.tick(); // dial succeeds, now waiting for a disconnect
    expect(h.dials).toBe(6);
    expect(r.state()).toEqual([{ addr: ADDR, connected: true }]);
    expect(h.delays).toHaveLength(5);
    await h.disconnect(OTHER);
    expect(h.delays).toHaveLength(5); // another peer leaving changes nothing
    await h.disconnect();
    expect(h.delays).toEqual([1000, 2000, 4000, 5000, 5000, 1000]); // backoff was reset
    await h.tick();
    expect(h.dials).toBe(7);

    await r.stop();
    expect(h.listeners.size).toBe(0);
    await settle();
    expect(h.dials).toBe(7);
  });

  it('keeps retrying every 2 s at most for a minute after a connection that was up dropped, then backs off as before', async () => {
    const h = harness();
    let clock = 0;
    const r = new Redialer(h.node as never, [ADDR], { minDelayMs: 1000, maxDelayMs: 60_000, sleep: h.sleep, now: () => clock });
    h.down = false;
    r.start();
    await settle();
    expect(r.state()).toEqual([{ addr: ADDR, connected: true }]);
    h.down = true; // the relay is killed: its connection drops and it refuses dials while restarting
    await h.disconnect();
    const startedAt: number[] = []; // the clock when each wait began, since the drop
    while (clock < 70_000) {
      startedAt.push(clock);
      clock += h.delays.at(-1) ?? 0;
      await h.tick();
    }
    // Waits chosen within the minute after the drop, then the ones after it.
    const cut = startedAt.findIndex((t) => t >= 60_000);
    const recent = h.delays.slice(0, cut);
    expect(recent.slice(0, 4)).toEqual([1000, 2000, 2000, 2000]);
    expect(Math.max(...recent)).toBe(2000); // the gap a restart ready at any moment waits at most
    expect(h.delays.slice(cut, cut + 3)).toEqual([4000, 8000, 16000]); // the window is over
    await r.stop();
  });

  it('recentMaxDelayMs sets the wait after a drop (the relay dials every second)', async () => {
    const h = harness();
    const r = new Redialer(h.node as never, [ADDR], { minDelayMs: 1000, recentMaxDelayMs: 1000, sleep: h.sleep, now: () => 0 });
    h.down = false;
    r.start();
    await settle();
    h.down = true;
    await h.disconnect();
    for (let i = 0; i < 3; i++) await h.tick();
    expect(h.delays).toEqual([1000, 1000, 1000, 1000]);
    await r.stop();
  });

  it('a peer never reached backs off to the cap from the first failure', async () => {
    const h = harness();
    let clock = 0;
    const r = new Redialer(h.node as never, [ADDR], { minDelayMs: 1000, maxDelayMs: 16_000, sleep: h.sleep, now: () => clock });
    r.start();
    await settle();
    for (let i = 0; i < 5; i++) {
      clock += h.delays.at(-1) ?? 0;
      await h.tick();
    }
    expect(h.delays).toEqual([1000, 2000, 4000, 8000, 16000, 16000]);
    await r.stop();
  });

  it('names a bad address with its label', () => {
    expect(() => new Redialer(harness().node as never, ['/ip4/not-an-ip/tcp/1'], { label: '--peer' })).toThrow(/--peer \/ip4\/not-an-ip\/tcp\/1/);
    expect(() => new Redialer(harness().node as never, ['/ip4/not-an-ip/tcp/1'])).toThrow(/relay \/ip4\/not-an-ip\/tcp\/1/);
  });
});
