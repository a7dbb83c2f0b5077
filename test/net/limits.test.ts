// The per-neighbour rate limit (src/net/rate-limit.ts) and the cut-off cooldowns (src/net/cut-off.ts)
// on a manual clock.
import { describe, expect, it } from 'vitest';
import { CutOffList } from '../../src/net/cut-off.ts';
import { PeerRateLimit, RATE_LIMIT_DEFAULTS } from '../../src/net/rate-limit.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('PeerRateLimit', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('a burst, then the sustained rate; by count and by bytes; each peer its own bucket', () => {
    const c = clock();
    const l = new PeerRateLimit({ envelopesPerSecond: 2, burstEnvelopes: 4, bytesPerSecond: 1000, burstBytes: 2000, penaltyFactor: 100, now: c.now });
    expect(Array.from({ length: 6 }, () => l.take('a', 100))).toEqual(['ok', 'ok', 'ok', 'ok', 'over', 'over']);
    expect(l.take('b', 100)).toBe('ok');
    c.advance(500);
    expect([l.take('a', 100), l.take('a', 100)]).toEqual(['ok', 'over']);
    // bytes: 2000 burst, so one 1500-byte envelope fits and a second does not, whatever the count
    expect([l.take('c', 1500), l.take('c', 1500)]).toEqual(['ok', 'over']);
  });

  it('past penaltyFactor times the limit it says abuse; an exempt peer is never limited', () => {
    const c = clock();
    const l = new PeerRateLimit({ envelopesPerSecond: 1, burstEnvelopes: 2, bytesPerSecond: 1e6, burstBytes: 1e6, penaltyFactor: 3, now: c.now, exempt: (id) => id === 'relay' });
    const out = Array.from({ length: 8 }, () => l.take('a', 10));
    expect(out).toEqual(['ok', 'ok', 'over', 'over', 'over', 'over', 'abuse', 'abuse']);
    expect(Array.from({ length: 8 }, () => l.take('relay', 10)).every((v) => v === 'ok')).toBe(true);
  });

  it('keeps at most maxPeers buckets, and a peer does not get a fresh burst by staying recent', () => {
    const l = new PeerRateLimit({ maxPeers: 3, now: () => 0 });
    for (const id of ['a', 'b', 'c', 'd']) l.take(id, 1);
    expect(l.size).toBe(3);
    expect(RATE_LIMIT_DEFAULTS.envelopesPerSecond).toBe(100);
  });

  it('misuse throws RangeError', () => {
    expect(() => new PeerRateLimit({ envelopesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new PeerRateLimit({ penaltyFactor: 0.5 })).toThrow(RangeError);
  });
});

describe('CutOffList', () => {
  it('10 min, doubling on each repeat, at most 24 h; forgotten 24 h after a cooldown ends', () => {
    let t = 0;
    const list = new CutOffList({ now: () => t });
    expect(list.cut('p')).toBe(10 * MIN);
    expect(list.isCut('p')).toBe(true);
    expect(list.cut('p')).toBe(10 * MIN); // still cooling: unchanged
    t = 10 * MIN;
    expect(list.isCut('p')).toBe(false);
    expect(list.cut('p') - t).toBe(20 * MIN);
    t += 20 * MIN;
    expect(list.cut('p') - t).toBe(40 * MIN);
    const cooldowns: number[] = [];
    for (let i = 0; i < 10; i++) {
      t = list.cut('p'); // the moment this cooldown ends, cut again
      cooldowns.push(list.cut('p') - t);
    }
    expect(cooldowns.map((ms) => ms / MIN)).toEqual([80, 160, 320, 640, 1280, 1440, 1440, 1440, 1440, 1440]);
    t = list.cut('p'); // end of the last 24 h cooldown
    t += 24 * HOUR; // a day of good behaviour
    expect(list.cut('p') - t).toBe(10 * MIN);
  });

  it('remembers at most maxPeers peers', () => {
    const list = new CutOffList({ maxPeers: 2, now: () => 0 });
    list.cut('a');
    list.cut('b');
    list.cut('c');
    expect(list.size).toBe(2);
    expect(list.isCut('a')).toBe(false);
    expect(list.isCut('c')).toBe(true);
  });
});
