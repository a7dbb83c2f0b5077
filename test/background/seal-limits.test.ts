// Per-origin PoW limits (src/background/seal-limits.ts, docs/API.md "Limits"): one seal per origin in
// the peer's pool, four waiting, the rest refused at once; queued posts cancel; closed pages stop
// their posts, named or not; powTime is capped; keys and watchers per origin are capped.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/core/bytes.ts';
import { RPC, RpcError } from '../../src/rpc/errors.ts';
import type { PeerOp, PeerRequests } from '../../src/rpc/peer.ts';
import { MAX_KEYS_PER_ORIGIN, MAX_WATCHERS_PER_ORIGIN } from '../../src/background/origin-scope.ts';
import { MAX_POW_TIME_S, SEALS_QUEUED_PER_ORIGIN, SealScheduler } from '../../src/background/seal-limits.ts';
import { sealReference } from '../core/fixtures.ts';
import { FakePeer, Page, approveSite, backgrounds, popup, until } from './fakes.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const start = backgrounds();

type SealParams = PeerRequests['seal']['params'];

/** A peer whose seals run until the test finishes them or the background cancels them. */
class HoldingPeer extends FakePeer {
  readonly held = new Map<string, { params: SealParams; finish: () => void; fail: (e: Error) => void }>();
  readonly cancelled: string[] = [];
  readonly sealed: SealParams[] = [];
  override async request<K extends PeerOp>(op: K, params: PeerRequests[K]['params']): Promise<PeerRequests[K]['result']> {
    if (op === 'cancelSeal') {
      const { sealId } = params as { sealId: string };
      this.cancelled.push(sealId);
      this.held.get(sealId)?.fail(new RpcError(RPC.whisper, 'proof of work aborted'));
      return null as never;
    }
    if (op !== 'seal') return super.request(op, params);
    const s = params as SealParams;
    this.sealed.push(s);
    return new Promise((resolve, reject) => {
      const done = (): boolean => this.held.delete(s.sealId);
      this.held.set(s.sealId, {
        params: s,
        finish: () => {
          done();
          const env = sealReference({ expiry: s.expiry, ttl: s.ttl, topic: fromHex(s.topic, true), data: fromHex(s.data, true) }, s.target);
          resolve({ nonce: `0x${env.nonce.toString(16).padStart(16, '0')}` } as never);
        },
        fail: (e) => {
          done();
          reject(e);
        },
      });
    });
  }
  /** The seals in the pool now, oldest first. */
  running(): { params: SealParams; finish: () => void }[] {
    return [...this.held.values()];
  }
}

async function site(origin: string, peer: HoldingPeer, h: Awaited<ReturnType<typeof start>>, tabs: number): Promise<{ pages: Page[]; sym: unknown }> {
  const pages = Array.from({ length: tabs }, () => new Page(h, origin));
  await approveSite(h, pages[0]!);
  const sym = await pages[0]!.call('shh_newSymKey');
  return { pages, sym };
}

const post = (sym: unknown, extra: Record<string, unknown> = {}) => ({ symKeyID: sym, topic: '0x01020304', payload: '0x01', powTarget: 0.001, powTime: 10, ...extra });

describe('per-origin seal limits', () => {
  it('one origin: 1 sealing, 4 waiting, the next refused at once (-32000 naming the limit); another origin gets the next turn', async () => {
    const peer = new HoldingPeer();
    const h = await start({ peer });
    const a = await site(A, peer, h, 7);
    const b = await site(B, peer, h, 1);
    // Each tab's Port runs its own requests one at a time, so the burst comes from several tabs.
    const pending = a.pages.slice(0, 6).map((p) => p.raw('shh_post', [post(a.sym)]));
    await until(() => peer.sealed.length === 1);
    const refused = await pending[5]!;
    expect(refused.error).toEqual({ code: -32000, message: `too many posts sealing for this site: at most 1 sealing and ${SEALS_QUEUED_PER_ORIGIN} waiting; retry when one has finished` });
    expect(await a.pages[6]!.code('shh_post', post(a.sym))).toBe(-32000);
    expect(await a.pages[6]!.call('shh_version')).toBe('6.0'); // the tab itself still answers
    // B posts last, but its seal is the next one the pool gets, ahead of A's four waiting ones.
    const bPost = b.pages[0]!.raw('shh_post', [post(b.sym)]);
    await until(async () => ((await popup(h, 'seals:list', {})).result as { origin: string }[]).some((s) => s.origin === B)); // B waits for its turn
    expect(peer.sealed).toHaveLength(1); // one seal in the pool at a time
    peer.running()[0]!.finish();
    await until(() => peer.sealed.length === 2);
    const bTurn = peer.running();
    expect(bTurn).toHaveLength(1);
    bTurn[0]!.finish();
    expect((await bPost).result).toMatch(/^0x[0-9a-f]{64}$/);
    // Then A's queue drains one at a time.
    for (let i = 0; i < 4; i++) {
      await until(() => peer.sealed.length === 3 + i);
      expect(peer.running()).toHaveLength(1);
      peer.running()[0]!.finish();
    }
    const results = await Promise.all(pending.slice(0, 5));
    for (const r of results) expect(r.result).toMatch(/^0x[0-9a-f]{64}$/);
    expect(peer.sealed).toHaveLength(6);
  });

  it('a queued post can be cancelled (shh_cancelPost) and never reaches the pool', async () => {
    const peer = new HoldingPeer();
    const h = await start({ peer });
    const a = await site(A, peer, h, 2);
    const first = a.pages[0]!.raw('shh_post', [post(a.sym, { postId: 'first' })]);
    await until(() => peer.sealed.length === 1);
    const second = a.pages[1]!.raw('shh_post', [post(a.sym, { postId: 'second' })]);
    await new Promise((r) => setTimeout(r, 20));
    expect(await a.pages[1]!.call('shh_cancelPost', 'second')).toBe(true);
    expect((await second).error).toEqual({ code: -32000, message: 'post cancelled' });
    peer.running()[0]!.finish();
    expect((await first).result).toMatch(/^0x/);
    expect(peer.sealed).toHaveLength(1);
  });

  it('closing a page cancels its running post, named or not, and its queued one; the next waiting tab seals', async () => {
    const peer = new HoldingPeer();
    const h = await start({ peer });
    const a = await site(A, peer, h, 3);
    const running = a.pages[0]!.raw('shh_post', [post(a.sym)]); // no postId
    await until(() => peer.sealed.length === 1);
    const queued = a.pages[1]!.raw('shh_post', [post(a.sym)]);
    const third = a.pages[2]!.raw('shh_post', [post(a.sym)]);
    await new Promise((r) => setTimeout(r, 20));
    a.pages[1]!.port.close();
    a.pages[0]!.port.close();
    await until(() => peer.cancelled.includes(peer.sealed[0]!.sealId));
    await until(() => peer.sealed.length === 2); // the third tab's turn, the closed second tab's post skipped
    peer.running()[0]!.finish();
    expect((await third).result).toMatch(/^0x/);
    expect(peer.sealed).toHaveLength(2);
    // Their pages are gone, so no answer ever comes: the helpers' wait gives up seconds later, which
    // must not surface as an unhandled rejection in whatever test runs then.
    for (const gone of [running, queued]) gone.catch(() => undefined);
  });

  it('caps powTime at MAX_POW_TIME_S for the pool; a smaller powTime passes unchanged', async () => {
    const peer = new HoldingPeer();
    const h = await start({ peer });
    const a = await site(A, peer, h, 1);
    const big = a.pages[0]!.raw('shh_post', [post(a.sym, { powTime: 4_000_000_000 })]);
    await until(() => peer.sealed.length === 1);
    expect(peer.sealed[0]!.timeMs).toBe(MAX_POW_TIME_S * 1000);
    peer.running()[0]!.finish();
    await big;
    const small = a.pages[0]!.raw('shh_post', [post(a.sym, { powTime: 7 })]);
    await until(() => peer.sealed.length === 2);
    expect(peer.sealed[1]!.timeMs).toBe(7000);
    peer.running()[0]!.finish();
    await small;
  });
});

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('SealScheduler', () => {
  it('cancelAll of one site aborts its running seal and fails its waiting ones; other sites keep theirs', async () => {
    const scheduler = new SealScheduler({ running: 1, queued: 2 });
    const a = scheduler.forOrigin(A);
    const b = scheduler.forOrigin(B);
    let runningSignal: AbortSignal | undefined;
    const first = a.run((s) => new Promise((_, reject) => ((runningSignal = s), s.addEventListener('abort', () => reject(new Error('stopped'))))));
    const second = a.run(async () => 'never');
    const fromB = b.run(async () => 'b ran');
    await tick();
    expect(a.load).toEqual({ running: 1, queued: 1 });
    a.cancelAll();
    await expect(first).rejects.toThrow('stopped');
    await expect(second).rejects.toThrow('proof of work aborted');
    expect(runningSignal?.aborted).toBe(true);
    expect(await fromB).toBe('b ran');
    expect(a.load).toEqual({ running: 0, queued: 0 });
    expect(await a.run(async () => 'again')).toBe('again');
  });

  it('a finished seal hands the turn to a waiting one: a newcomer cannot jump the queue', async () => {
    const a = new SealScheduler({ running: 1, queued: 4 }).forOrigin(A);
    const order: string[] = [];
    let release!: () => void;
    const first = a.run(() => new Promise<void>((r) => (release = r)).then(() => void order.push('first')));
    const second = a.run(async () => void order.push('second'));
    await tick();
    release();
    const third = a.run(async () => void order.push('third')); // arrives as the turn changes hands
    await Promise.all([first, second, third]);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('sites take turns: a site with a queue does not delay the others by more than one seal', async () => {
    const scheduler = new SealScheduler({ running: 1, queued: 4 });
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const job = (name: string) => () => new Promise<void>((r) => releases.push(() => (order.push(name), r())));
    const sites = { a: scheduler.forOrigin(A), b: scheduler.forOrigin(B), c: scheduler.forOrigin('https://c.example') };
    const all = [sites.a.run(job('a1')), sites.a.run(job('a2')), sites.a.run(job('a3')), sites.b.run(job('b1')), sites.c.run(job('c1')), sites.a.run(job('a4'))];
    for (let i = 0; i < all.length; i++) {
      await until(() => releases.length === i + 1);
      releases[i]!();
    }
    await Promise.all(all);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'a3', 'a4']);
  });
});

describe('per-origin caps on keys and watchers', () => {
  it(`at most ${MAX_KEYS_PER_ORIGIN} keys per origin: the next is -32000; deleting one makes room; other origins unaffected`, async () => {
    const peer = new HoldingPeer();
    const h = await start({ peer });
    const a = await site(A, peer, h, 1); // holds one key already
    const b = await site(B, peer, h, 1);
    for (let i = 1; i < MAX_KEYS_PER_ORIGIN; i++) await a.pages[0]!.call(i % 2 ? 'shh_newKeyPair' : 'shh_newSymKey');
    const refused = await a.pages[0]!.raw('shh_newSymKey');
    expect(refused.error).toEqual({ code: -32000, message: `too many keys for this site: at most ${MAX_KEYS_PER_ORIGIN}; delete some first` });
    expect(await a.pages[0]!.code('shh_addSymKey', `0x${'11'.repeat(32)}`)).toBe(-32000);
    expect(await a.pages[0]!.call('shh_deleteSymKey', a.sym)).toBe(true);
    expect(await a.pages[0]!.call('shh_newSymKey')).toMatch(/^[0-9a-f]{64}$/);
    expect(await b.pages[0]!.call('shh_newSymKey')).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it(`at most ${MAX_WATCHERS_PER_ORIGIN} live filters and subscriptions per origin, across its tabs`, async () => {
    const peer = new HoldingPeer();
    const h = await start({ peer });
    const a = await site(A, peer, h, 2);
    const criteria = { symKeyID: a.sym, topics: ['0x01020304'] };
    const ids: unknown[] = [];
    for (let i = 0; i < MAX_WATCHERS_PER_ORIGIN; i++) ids.push(await a.pages[i % 2]!.call(i % 3 ? 'shh_newMessageFilter' : 'shh_subscribe', ...(i % 3 ? [criteria] : ['messages', criteria])));
    expect(await a.pages[1]!.raw('shh_newMessageFilter', [criteria])).toEqual(expect.objectContaining({ error: { code: -32000, message: `too many subscriptions and filters for this site: at most ${MAX_WATCHERS_PER_ORIGIN}; remove some first` } }));
    expect(await a.pages[0]!.code('shh_subscribe', 'messages', criteria)).toBe(-32000);
    expect(await a.pages[1]!.call('shh_deleteMessageFilter', ids[1])).toBe(true);
    expect(await a.pages[1]!.call('shh_newMessageFilter', criteria)).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);
});

describe('a closed page', () => {
  it('its requests still queued on its Port never run (no seal starts after it closed)', async () => {
    const peer = new HoldingPeer();
    const h = await start({ peer });
    const a = await site(A, peer, h, 1);
    const p = a.pages[0]!;
    for (let i = 0; i < 5; i++) p.port.send({ kind: 'request', id: 500 + i, method: 'shh_post', params: [post(a.sym, { powTime: 300 })] });
    await until(() => peer.sealed.length === 1);
    p.port.close();
    await until(() => peer.cancelled.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.sealed).toHaveLength(1);
    expect(peer.running()).toHaveLength(0);
  });
});

describe('a seal the background gave up on', () => {
  it('is cancelled in the peer, so it does not hold the pool for a post that already failed', async () => {
    class SilentPeer extends FakePeer {
      override async request<K extends PeerOp>(op: K, params: PeerRequests[K]['params']): Promise<PeerRequests[K]['result']> {
        if (op === 'seal') {
          this.calls.push(op);
          throw new RpcError(RPC.disconnected, 'the Whisper peer is unreachable: no answer to seal');
        }
        return super.request(op, params);
      }
    }
    const peer = new SilentPeer();
    const h = await start({ peer });
    const p = new Page(h, A);
    await approveSite(h, p);
    const sym = await p.call('shh_newSymKey');
    expect(await p.code('shh_post', post(sym))).toBe(4900);
    await until(() => peer.calls.includes('cancelSeal'));
  });
});
