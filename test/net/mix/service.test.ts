// The mix layer composed into WhisperService (src/net/mix/mix-service.ts): relays learn each other's
// signed key records on connect, a dark post leaves through three mixes and enters gossip at the exit
// byte-identical, a post with too few relays fails naming what is missing, and a peer sending bad
// frames is charged and cut off while the relay keeps serving.
import { lpStream } from '@libp2p/utils';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../src/core/bytes.ts';
import { isWhisperError } from '../../../src/core/errors.ts';
import { createFrame } from '../../../src/core/mix/packet.ts';
import { nodeIdOf } from '../../../src/net/mix/node-id.ts';
import { webRandomBytes } from '../../../src/net/mix/random.ts';
import { nobleScalarMult } from '../../../src/net/mix/scalar-mult.ts';
import { MIX_PROTOCOL } from '../../../src/net/mix/settings.ts';
import { WhisperService, type WhisperServiceInit } from '../../../src/net/service.ts';
import { envelopeRlp, startService, stopService, waitFor } from '../helpers.ts';

// Short delays, a fast client clock, key records asked for every 2 s, @noble/curves for the mixes'
// multiplications (WebCrypto's queue behind libuv's thread pool on a loaded machine: see dark-post.test.ts).
const FAST = { settings: { meanDelayMs: 5, maxDelayMs: 50 }, clientSettings: { rateHz: 20 }, cover: { rateHz: 2 }, refreshMs: 2000, scalarMult: nobleScalarMult };

const running: WhisperService[] = [];

async function relay(over: Partial<WhisperServiceInit> = {}, mix: WhisperServiceInit['mix'] = { mix: true, ...FAST }): Promise<WhisperService> {
  const s = await startService({ mix, onError: () => {}, ...over });
  running.push(s);
  return s;
}

async function link(a: WhisperService, b: WhisperService): Promise<void> {
  await a.peer.dial(b.peer.getMultiaddrs()[0]!);
}

afterEach(async () => {
  await Promise.all(running.splice(0).map(stopService));
});

describe('the mix layer in WhisperService', () => {
  it('sends a dark post through three relays into gossip, byte-identical, and learns keys on connect', async () => {
    const [a, b, c] = [await relay({}, { mix: true, client: true, ...FAST }), await relay(), await relay()];
    await link(a, b);
    await link(b, c);
    await link(a, c);
    await waitFor(() => [a, b, c].every((s) => s.mix!.status().relays === 3), 30_000, 'key records');
    expect(a.mix!.status()).toMatchObject({ active: true, mix: true, hops: 3, wantedHops: 3, relays: 3 });
    expect(a.mix!.darkUnavailable()).toBeUndefined();
    await waitFor(() => c.peer.meshPeerCount >= 1 && a.peer.meshPeerCount >= 1, 10_000, 'mesh');
    const rlp = envelopeRlp(7001);
    const sent = await a.mix!.postDark(rlp);
    expect(sent).toMatchObject({ frames: 1, hops: 3, short: false });
    // Nothing of it is in the sender's pool before it comes back through the mixes.
    expect(a.peer.pool.has(sent.hash)).toBe(false);
    await waitFor(() => [a, b, c].every((s) => s.peer.pool.has(sent.hash)), 30_000, 'the dark post everywhere');
    const atC = [...c.peer.pool.values()].find((e) => toHex(e.hash) === toHex(sent.hash))!;
    expect(toHex(atC.rlp)).toBe(toHex(rlp));
    expect([a, b, c].reduce((n, s) => n + s.mix!.status().frames.exit, 0)).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('refuses a dark post with too few relays, naming what is missing, and sends nothing', async () => {
    // darkUnavailable (asked before sealing) gives the words postDark refuses with.
    const a = await relay({}, { mix: true, client: true, ...FAST });
    const err = await a.mix!.postDark(envelopeRlp(7002)).catch((e: unknown) => e);
    expect(isWhisperError(err, 'dark-unavailable')).toBe(true);
    expect((err as Error).message).toMatch(/needs 2 relays with mix key records and this node knows 1/);
    expect((err as Error).message).toBe(`dark post not sent: ${a.mix!.darkUnavailable()}`);
    const off = await relay({}, { mix: true, ...FAST });
    const err2 = await off.mix!.postDark(envelopeRlp(7003)).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/mix client is not running/);
    expect((err2 as Error).message).toBe(`dark post not sent: ${off.mix!.darkUnavailable()}`);
    // A client connected to no relay with a key record.
    const lone = await relay({}, { client: true, ...FAST });
    const err3 = await lone.mix!.postDark(envelopeRlp(7004)).catch((e: unknown) => e);
    expect((err3 as Error).message).toMatch(/connected to no relay with a mix key record/);
    expect((err3 as Error).message).toBe(`dark post not sent: ${lone.mix!.darkUnavailable()}`);
    expect(a.peer.pool.size + off.peer.pool.size + lone.peer.pool.size).toBe(0);
  });

  it('a browser-like client learns keys from its one relay and posts dark through it', async () => {
    const [r1, r2, r3] = [await relay(), await relay(), await relay()];
    await link(r1, r2);
    await link(r2, r3);
    await link(r1, r3);
    const client = await relay({}, { client: true, ...FAST });
    await link(client, r1);
    await waitFor(() => client.mix!.status().relays === 3, 30_000, 'key records through one relay');
    await waitFor(() => r3.peer.meshPeerCount >= 1, 10_000, 'mesh');
    const sent = await client.mix!.postDark(envelopeRlp(7005));
    expect(sent.hops).toBe(3);
    await waitFor(() => r3.peer.pool.has(sent.hash) && client.peer.pool.has(sent.hash), 30_000, 'the dark post');
    await waitFor(() => client.mix!.status().loops.returned > 0, 30_000, 'a loop back');
  }, 90_000);

  it('charges a peer sending bad frames and cuts it off; the relay keeps serving', async () => {
    const r = await relay();
    const attacker = await relay({}, false);
    await link(attacker, r);
    const stream = await attacker.peer.node.dialProtocol(r.peer.peerId, MIX_PROTOCOL);
    const lp = lpStream(stream);
    const garbage = new Uint8Array(1024).fill(7);
    let written = 0;
    try {
      for (let i = 0; i < 50 && !r.peer.isCut(attacker.peer.peerId); i++) {
        garbage[0] = i;
        await lp.write(garbage);
        written++;
        await new Promise((res) => setTimeout(res, 5));
      }
    } catch {
      // the relay hung up on us: what this test wants
    }
    await waitFor(() => r.peer.isCut(attacker.peer.peerId), 10_000, 'the cut-off');
    expect(written).toBeLessThan(50);
    expect(r.mix!.status().frames.reject).toBeGreaterThan(0);
    // Still serving: a fresh relay learns its key.
    const other = await relay();
    await link(other, r);
    await waitFor(() => other.mix!.status().relays === 2, 10_000, 'key records after the flood');
  });

  it('charges frames to the per-neighbour budget: a flood of well-formed frames is cut', async () => {
    const r = await relay({ rateLimit: { envelopesPerSecond: 2, burstEnvelopes: 2 } });
    const attacker = await relay({}, false);
    await link(attacker, r);
    // Valid drop cover for r: nothing about the frames is wrong, only their number.
    const hop = { nodeId: nodeIdOf(r.peer.peerId), mixKey: r.mix!.node.keys.current().publicKey };
    const frame = () => createFrame({ path: [hop], exit: { kind: 'drop' }, randomBytes: webRandomBytes }).frame;
    // Over the budget the relay drops frames unread; far over it, it cuts the sender off.
    let sent = 0;
    for (let streams = 0; streams < 5 && !r.peer.isCut(attacker.peer.peerId); streams++) {
      try {
        const lp = lpStream(await attacker.peer.node.dialProtocol(r.peer.peerId, MIX_PROTOCOL));
        while (sent < 2000 && !r.peer.isCut(attacker.peer.peerId)) {
          await lp.write(frame());
          sent++;
          await new Promise((res) => setTimeout(res, 0)); // the relay runs in this process too
        }
      } catch {
        // the relay ended the stream (or the connection)
      }
    }
    await waitFor(() => r.peer.isCut(attacker.peer.peerId), 10_000, 'the cut-off');
    expect(sent).toBeLessThan(2000);
    const { frames } = r.mix!.status();
    expect(frames.drop).toBeGreaterThan(0); // the budget's worth went through
    expect(frames.drop).toBeLessThan(sent);
  });
});
