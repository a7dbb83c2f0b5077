// Neighbours announce their requirement (`/shh/6/requirement/1.0.0`, src/net/requirement.ts): a client
// whose relay requires more PoW than the client's own setting refuses its own low posts at once
// ('low-pow' naming the requirement) instead of being cut off by the relay; garbage on the stream is dropped.
import { lpStream } from '@libp2p/utils';
import { afterEach, describe, expect, it } from 'vitest';
import { envelopeHash } from '../../src/core/envelope.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { validateEnvelope } from '../../src/core/validate.ts';
import type { WhisperPeer, WhisperPeerInit } from '../../src/net/peer.ts';
import { decodeRequirement, encodeRequirement, REQUIREMENT_PROTOCOL } from '../../src/net/requirement.ts';
import { connect, createPeers, envelopeRlp, meshed, sleep, stopAll, T0, waitFor } from './helpers.ts';

let running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await stopAll(running);
  running = [];
});

/** Distinct envelopes whose PoW lies in [lo, hi) (sealing to a target may overshoot it). */
function envelopesWithPow(lo: number, hi: number, n: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let s = seed; out.length < n; s++) {
    const rlp = envelopeRlp(s, { target: lo });
    const v = validateEnvelope(rlp, { minPow: 0, maxSize: 1 << 20, now: T0 });
    if (v.kind === 'accept' && v.envelope.pow >= lo && v.envelope.pow < hi) out.push(rlp);
    if (s - seed > 10_000) throw new Error('no envelopes in range');
  }
  return out;
}

/** A relay-like peer requiring PoW 1 and a client (own setting 0.2) that trusts it, connected and meshed. */
async function setup(init: Partial<WhisperPeerInit> = {}) {
  const [relay] = await createPeers(1, { minPow: 1, ...init });
  running.push(relay!);
  const [client] = await createPeers(1, { minPow: 0.2, trusted: (id) => id.equals(relay!.peerId), ...init });
  running.push(client!);
  await connect(client!, relay!);
  await meshed([client!, relay!], [1, 1]);
  return { relay: relay!, client: client! };
}

/** Posts `rlps` from `client`, collecting what each post threw. */
async function postAll(client: WhisperPeer, rlps: Uint8Array[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const rlp of rlps) await client.publish(rlp).catch((e: unknown) => errors.push(e));
  return errors;
}

describe('requirement frame', () => {
  it('round-trips and refuses every frame that is not exactly 12 in-range bytes', () => {
    expect(decodeRequirement(encodeRequirement({ minPow: 0.2, maxSize: 1 << 20 }))).toEqual({ minPow: 0.2, maxSize: 1 << 20 });
    expect(decodeRequirement(encodeRequirement({ minPow: 0, maxSize: 1 }))).toEqual({ minPow: 0, maxSize: 1 });
    const good = encodeRequirement({ minPow: 1, maxSize: 1000 });
    const bad = (f: (v: DataView) => void): Uint8Array => {
      const b = good.slice();
      f(new DataView(b.buffer));
      return b;
    };
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, 11),
      Uint8Array.of(...good, 0),
      bad((v) => v.setFloat64(0, Number.NaN)),
      bad((v) => v.setFloat64(0, Number.POSITIVE_INFINITY)),
      bad((v) => v.setFloat64(0, -1)),
      bad((v) => v.setUint32(8, 0)),
      bad((v) => v.setUint32(8, (1 << 20) + 1)),
    ];
    for (const c of cases) expect(decodeRequirement(c)).toBeUndefined();
    // byteOffset respected
    const padded = new Uint8Array(20);
    padded.set(good, 5);
    expect(decodeRequirement(padded.subarray(5, 17))).toEqual({ minPow: 1, maxSize: 1000 });
    expect(() => encodeRequirement({ minPow: Number.NaN, maxSize: 1 })).toThrow(RangeError);
  });
});

describe('a relay requiring more PoW than its client', () => {
  it('the client learns it, refuses its own low posts with low-pow naming it, is not cut off, and posts again once the relay lowers it', async () => {
    const { relay, client } = await setup();
    await waitFor(() => client.floor()?.minPow === 1, 5000, 'the relay requirement');
    expect(client.floor()?.by?.equals(relay.peerId)).toBe(true);
    expect(client.policy().minPow).toBe(1);
    expect(client.minPow).toBe(0.2); // the user's setting is unchanged
    const cut: string[] = [];
    relay.addEventListener('cut-off', (e) => cut.push(e.detail.peer.toString()));

    const low = envelopesWithPow(0.5, 1, 11, 1000);
    const errors = await postAll(client, low.slice(0, 10));
    expect(errors).toHaveLength(10);
    for (const e of errors) {
      expect(isWhisperError(e, 'low-pow')).toBe(true);
      expect((e as Error).message).toMatch(/^message rejected, PoW too low \(relay .* requires 1\)$/);
    }
    await sleep(500); // several heartbeats: a cut-off would have happened by now
    expect(cut).toEqual([]);
    expect(relay.score(client.peerId)).toBeGreaterThanOrEqual(0);
    expect(client.node.getConnections(relay.peerId).length).toBeGreaterThan(0);
    // The client still receives what the relay sends.
    const [high] = envelopesWithPow(1, Infinity, 1, 5000);
    await relay.publish(high!);
    await waitFor(() => client.pool.has(envelopeHash(high!)), 5000, 'the relay envelope at the client');

    relay.minPow = 0.2;
    await waitFor(() => client.floor()?.minPow === 0.2, 5000, 'the lowered requirement');
    await client.publish(low[10]!);
    await waitFor(() => relay.pool.has(envelopeHash(low[10]!)), 5000, 'the post at the relay');
  }, 30_000);

  it('without the protocol the same posts leave the client and get it cut off (what the test above guards against)', async () => {
    const { relay, client } = await setup({ requirement: false });
    const cut: string[] = [];
    relay.addEventListener('cut-off', (e) => cut.push(e.detail.peer.toString()));
    const errors = await postAll(client, envelopesWithPow(0.5, 1, 10, 1000));
    expect(errors).toEqual([]);
    await waitFor(() => cut.length > 0, 5000, 'cut-off');
    expect(cut).toEqual([client.peerId.toString()]);
  }, 30_000);

  it('an untrusted neighbour requirement is remembered but sets no floor', async () => {
    const [relay] = await createPeers(1, { minPow: 1 });
    const [client] = await createPeers(1, { minPow: 0.2 });
    running.push(relay!, client!);
    await connect(client!, relay!);
    await waitFor(() => client!.requirementOf(relay!.peerId)?.minPow === 1, 5000, 'the announcement');
    expect(client!.floor()).toBeUndefined();
    expect(client!.policy().minPow).toBe(0.2);
  }, 30_000);
});

describe('garbage on the requirement stream', () => {
  it.each([
    ['13 bytes', Uint8Array.of(...encodeRequirement({ minPow: 1, maxSize: 1000 }), 0)],
    ['NaN minPow', (() => {
      const b = encodeRequirement({ minPow: 1, maxSize: 1000 });
      new DataView(b.buffer).setFloat64(0, Number.NaN);
      return b;
    })()],
    ['4 KiB', new Uint8Array(4096).fill(7)],
  ])('%s: stream closed, nothing remembered, no penalty, connection kept', async (_name, frame) => {
    const [victim] = await createPeers(1, { minPow: 0.2 });
    const [sender] = await createPeers(1, { minPow: 0.2, requirement: false });
    running.push(victim!, sender!);
    await connect(sender!, victim!);
    const errors: unknown[] = [];
    const stream = await sender!.node.dialProtocol(victim!.peerId, REQUIREMENT_PROTOCOL);
    await lpStream(stream, { maxDataLength: 1 << 20 }).write(frame).catch((e: unknown) => errors.push(e));
    await waitFor(() => stream.status !== 'open', 5000, 'the stream closed by the victim');
    await sleep(300);
    expect(victim!.requirementOf(sender!.peerId)).toBeUndefined();
    expect(victim!.score(sender!.peerId)).toBeGreaterThanOrEqual(0);
    expect(victim!.node.getConnections(sender!.peerId).length).toBeGreaterThan(0);
    // The victim still hears a good frame on a new stream.
    const again = await sender!.node.dialProtocol(victim!.peerId, REQUIREMENT_PROTOCOL);
    await lpStream(again).write(encodeRequirement({ minPow: 3, maxSize: 500 }));
    await waitFor(() => victim!.requirementOf(sender!.peerId)?.minPow === 3, 5000, 'the good frame');
  }, 30_000);
});

describe('grace after raising our requirement', () => {
  it('envelopes between the old and the new minimum are ignored without penalty during the grace, rejected after it', async () => {
    const graceMs = 5000; // generous: six posts and their verdicts must land inside it on a loaded machine
    const [victim] = await createPeers(1, { minPow: 0.2, requirement: { graceMs } });
    // The sender never hears of the raise, like a neighbour whose envelopes were already in flight.
    const [sender] = await createPeers(1, { minPow: 0.2, requirement: false });
    running.push(victim!, sender!);
    await connect(sender!, victim!);
    await meshed([victim!, sender!], [1, 1]);
    const kinds: string[] = [];
    victim!.addEventListener('verdict', (e) => kinds.push(e.detail.verdict.kind));
    const cut: string[] = [];
    victim!.addEventListener('cut-off', (e) => cut.push(e.detail.peer.toString()));
    const low = envelopesWithPow(0.5, 1, 12, 3000);
    const raisedAt = performance.now();
    victim!.minPow = 1;
    expect(await postAll(sender!, low.slice(0, 6))).toEqual([]);
    await waitFor(() => kinds.length === 6, 5000, 'verdicts in the grace');
    expect(performance.now() - raisedAt).toBeLessThan(graceMs); // else the machine was too slow to test this
    expect(kinds).not.toContain('reject');
    await sleep(300);
    expect(cut).toEqual([]);
    expect(low.slice(0, 6).some((r) => victim!.pool.has(envelopeHash(r)))).toBe(false);
    await sleep(Math.max(0, graceMs - (performance.now() - raisedAt)) + 100);
    await postAll(sender!, low.slice(6));
    await waitFor(() => cut.length > 0, 5000, 'cut-off after the grace');
    expect(cut).toEqual([sender!.peerId.toString()]);
  }, 30_000);
});
