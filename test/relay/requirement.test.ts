// Two relay processes with different --min-pow (docs/RELAY.md): B lists A, A requires PoW 1, B's own
// setting is 0.2. B learns A's requirement (/shh/6/requirement/1.0.0), refuses its own low posts with
// -32000 naming it instead of being cut off by A, and posts again once A lowers its requirement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startRelay, waitFor, type RelayProcess } from './harness.ts';

const TOPIC = '0x5eed0002';
type Message = { hash: string; pow: number };

let a: RelayProcess, b: RelayProcess;
let keyA: string, keyB: string;

const post = (r: RelayProcess, key: string, powTarget: number): Promise<string> =>
  r.rpc('shh_post', [{ symKeyID: key, ttl: 300, topic: TOPIC, payload: '0x01', powTime: 10, powTarget }]) as Promise<string>;

beforeAll(async () => {
  a = await startRelay(['--min-pow', '1']);
  b = await startRelay(['--peer', a.addr]);
  const id = (await a.rpc('shh_newSymKey')) as string;
  const symKey = (await a.rpc('shh_getSymKey', [id])) as string;
  keyA = id;
  keyB = (await b.rpc('shh_addSymKey', [symKey])) as string;
  await waitFor('B connected to A', async () => Number(await b.rpc('net_peerCount')) === 1);
  await new Promise((r) => setTimeout(r, 2000)); // the requirement frame crosses right after the connection
}, 60_000);

afterAll(cleanup);

describe('relays with different --min-pow', () => {
  it('B refuses its own posts below A\'s requirement with -32000, is not cut off, and posts again once A lowers it', async () => {
    expect(((await b.rpc('shh_info')) as { minPow: number }).minPow).toBe(0.2); // shh_info: B's own setting
    // Sealed to 0.25, the PoW lands at or a few times above it: most posts are below 1.
    const errors: Array<{ code?: number; message: string }> = [];
    for (let i = 0; i < 12 && errors.length < 4; i++) await post(b, keyB, 0.25).catch((e: Error & { code?: number }) => errors.push(e));
    expect(errors.length).toBeGreaterThanOrEqual(4);
    for (const e of errors) {
      expect(e.code).toBe(-32000);
      expect(e.message).toMatch(/^shh_post: message rejected, PoW too low \(relay .* requires 1\)$/);
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(Number(await a.rpc('net_peerCount'))).toBe(1); // not cut off
    // B still receives what A sends.
    const filterB = (await b.rpc('shh_newMessageFilter', [{ symKeyID: keyB, topics: [TOPIC] }])) as string;
    const fromA = await post(a, keyA, 1);
    await waitFor('A\'s envelope at B', async () => ((await b.rpc('shh_getFilterMessages', [filterB])) as Message[]).some((m) => m.hash === fromA));

    await a.rpc('shh_setMinPoW', [0.2]);
    const filterA = (await a.rpc('shh_newMessageFilter', [{ symKeyID: keyA, topics: [TOPIC] }])) as string;
    // A post below 1 (not one that happened to overshoot) now goes through and reaches A.
    await waitFor('a post from B below PoW 1 at A', async () => {
      const h = await post(b, keyB, 0.25);
      const m = await waitFor('B\'s post at A', async () => ((await a.rpc('shh_getFilterMessages', [filterA])) as Message[]).find((x) => x.hash === h));
      return m.pow < 1;
    }, 30_000);
  }, 90_000);
});
