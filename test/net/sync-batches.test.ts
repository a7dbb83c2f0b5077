// Catch-up's envelope stream (src/net/sync/session.ts) over an in-memory frame channel: the sender
// keeps several batches in flight within the unacknowledged budget, the receiver hands each batch
// whole to receiveBatch and answers its mark only once that batch is stored.
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/net/sync/codec.ts';
import { runInitiator, runResponder, type FrameChannel, type ReceivedEnvelope, type SessionConfig } from '../../src/net/sync/session.ts';
import { TestPool, testEnvelope } from './sync-helpers.ts';

const NOW = 1_700_000_000;

/** Two ends of a channel; `sent[i]` lists the frame types end i wrote, in order. */
function pipe(): { ends: [FrameChannel, FrameChannel]; sent: [string[], string[]] } {
  const inbox: [Uint8Array[], Uint8Array[]] = [[], []];
  const waiting: [(() => void) | undefined, (() => void) | undefined] = [undefined, undefined];
  const sent: [string[], string[]] = [[], []];
  const end = (me: 0 | 1): FrameChannel => {
    const other = (1 - me) as 0 | 1;
    const push = (f: Uint8Array): void => {
      sent[me].push(decodeFrame(f, 1 << 20).type);
      inbox[other].push(f);
      waiting[other]?.();
    };
    return {
      async read() {
        while (inbox[me].length === 0) await new Promise<void>((r) => (waiting[me] = r));
        return decodeFrame(inbox[me].shift()!, 1 << 20);
      },
      async write(f) {
        push(f);
      },
      async writeMany(fs) {
        for (const f of fs) push(f);
      },
    };
  };
  return { ends: [end(0), end(1)], sent };
}

function config(pool: TestPool, over: Partial<SessionConfig>): SessionConfig {
  return {
    items: pool.items,
    getEnvelope: pool.getEnvelope,
    receiveBatch: async (batch) => Promise.all(batch.map(({ rlp }) => pool.receive(rlp))),
    now: () => NOW * 1000,
    maxMessageBytes: 64 * 1024,
    maxEnvelopes: 10_000,
    maxRounds: 64,
    maxRejects: 3,
    batchBytes: 1 << 20,
    batchEnvelopes: 16,
    batchesInFlight: 4,
    ...over,
  };
}

async function run(batchesInFlight: number) {
  const holder = new TestPool();
  for (let i = 0; i < 64; i++) holder.add(testEnvelope(i, NOW + 600));
  const empty = new TestPool();
  const { ends, sent } = pipe();
  const batches: number[] = [];
  let release!: () => void;
  const firstStored = new Promise<void>((r) => (release = r));
  let marksBeforeFirstAck = -1;
  const receiveBatch = async (batch: readonly ReceivedEnvelope[]) => {
    if (batches.push(batch.length) === 1) {
      // Hold the first batch until the sender stops: what it sent meanwhile is what it keeps in flight.
      let last = -1;
      while (last !== sent[1].length) {
        last = sent[1].length;
        await new Promise((r) => setTimeout(r, 20));
      }
      marksBeforeFirstAck = sent[1].filter((t) => t === 'mark').length;
      release();
    }
    await firstStored;
    return Promise.all(batch.map(({ rlp }) => empty.receive(rlp)));
  };
  const [a, b] = await Promise.all([
    runInitiator(ends[0], config(empty, { batchesInFlight, receiveBatch })),
    runResponder(ends[1], config(holder, { batchesInFlight })),
  ]);
  return { a, b, batches, marksBeforeFirstAck, acks: sent[0].filter((t) => t === 'mark').length, empty };
}

describe('catch-up batches', () => {
  it('the sender keeps batchesInFlight batches unacknowledged; the receiver stores each whole and acknowledges it after', async () => {
    const r = await run(4);
    expect(r.empty.keys().length).toBe(64);
    expect(r.a.accepted).toBe(64);
    expect(r.batches).toEqual(Array(16).fill(4)); // 16 envelopes of budget in 4 batches of 4
    expect(r.marksBeforeFirstAck).toBe(4);
    expect(r.acks).toBe(16); // every mark answered
  });

  it('batchesInFlight 1 is stop-and-wait: one batch, then its acknowledgement', async () => {
    const r = await run(1);
    expect(r.empty.keys().length).toBe(64);
    expect(r.batches).toEqual([16, 16, 16, 16]);
    expect(r.marksBeforeFirstAck).toBe(1);
  });
});
