// A new watcher trial-decrypts the whole live pool (its back-fill): that walk must leave room for other
// sites, and the distinct keys one site's watchers use (one trial decryption each per envelope) are capped.

import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { sealAsymmetric } from '../../src/core/message.ts';
import { publicKeyOf } from '../../src/core/signature.ts';
import type { VerifiedEnvelope } from '../../src/core/validate.ts';
import { MAX_WATCHER_KEYS_PER_ORIGIN } from '../../src/api/watchers.ts';
import { makeEnvelope } from '../core/fixtures.ts';
import { Page, approveSite, backgrounds, until, type Harness } from './fakes.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const TOPIC = '0x01020304';
const start = backgrounds();

const isResponse = (f: unknown): boolean => (f as { kind?: string }).kind === 'response';

async function site(h: Harness, origin: string): Promise<Page> {
  const p = new Page(h, origin);
  await approveSite(h, p);
  return p;
}

/** An envelope with `data`, sealed at a trivial PoW, handed to the peer as if from the network. */
function arrive(h: Harness, data: Uint8Array, i: number): void {
  const now = Math.floor(Date.now() / 1000);
  const e = makeEnvelope({ now, ttl: 600 + (i % 60), data, topic: Uint8Array.of(9, 9, i & 0xff, i >> 8), target: 1e-6 });
  h.peer.receive(toHex(encodeEnvelope(e)));
}

describe('back-fill of a new watcher', () => {
  it('another site is answered while a big back-fill walks the pool, and the back-fill still holds every match once', async () => {
    const h = await start();
    const a = await site(h, A);
    const b = await site(h, B);
    const kp = (await a.call('shh_newKeyPair')) as string;
    const pub = fromHex((await a.call('shh_getPublicKey', kp)) as string, true);
    // Every envelope costs a real trial: data opens with a valid ephemeral key, so each is one ECDH.
    const stranger = publicKeyOf(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
    const NOISE = 600;
    for (let i = 0; i < NOISE; i++) arrive(h, Uint8Array.from([...stranger, ...randomBytes(16 + 64 + 32)]), i);
    const mine = ['0x01', '0x02', '0x03'];
    for (const [i, m] of mine.entries()) arrive(h, sealAsymmetric({ payload: fromHex(m, true) }, pub, randomBytes), NOISE + i);
    const total = NOISE + mine.length;
    await until(async () => (await h.bg.node.envelopes()).length === total, 20_000);

    // Watch the walk: when it starts, site B asks for something; note how far the walk was when B was answered.
    const real = h.bg.node.envelopes.bind(h.bg.node);
    let walked = 0;
    let answeredAt: number | undefined;
    let asked: Promise<unknown> | undefined;
    const before = b.port.received.filter(isResponse).length;
    (h.bg.node as unknown as { envelopes: (t?: readonly Uint8Array[]) => Promise<Iterable<VerifiedEnvelope>> }).envelopes = async (topics) => {
      const fetched = await real(topics);
      return (function* () {
        for (const e of fetched) {
          asked ??= b.call('shh_getIdentities'); // through the lock, the grant and the permission store
          if (answeredAt === undefined && b.port.received.filter(isResponse).length > before) answeredAt = walked;
          walked++;
          yield e;
        }
      })();
    };
    const filter = (await a.call('shh_newMessageFilter', { privateKeyID: kp })) as string;
    expect(walked).toBe(total);
    expect(await asked).toEqual([]);
    expect(typeof (await b.call('shh_newSymKey'))).toBe('string');
    expect(answeredAt).toBeDefined();
    expect(answeredAt!).toBeLessThan(total);
    const got = (await a.call('shh_getFilterMessages', filter)) as { payload: string }[];
    expect(got.map((m) => m.payload).sort()).toEqual(mine);
  }, 30_000);

  it(`one site's watchers use at most ${MAX_WATCHER_KEYS_PER_ORIGIN} distinct keys (-32000); a key already in use and a freed slot are fine`, async () => {
    const h = await start();
    const a = await site(h, A);
    const keys: string[] = [];
    for (let i = 0; i <= MAX_WATCHER_KEYS_PER_ORIGIN; i++) keys.push((await a.call('shh_newSymKey')) as string);
    const subs: string[] = [];
    for (const k of keys.slice(0, MAX_WATCHER_KEYS_PER_ORIGIN)) subs.push((await a.call('shh_subscribe', 'messages', { symKeyID: k, topics: [TOPIC] })) as string);
    const over = await a.raw('shh_newMessageFilter', [{ symKeyID: keys.at(-1), topics: [TOPIC] }]);
    expect(over.error).toEqual({ code: -32000, message: `too many distinct keys in this site's subscriptions and filters: at most ${MAX_WATCHER_KEYS_PER_ORIGIN}; remove some first` });
    expect(typeof (await a.call('shh_newMessageFilter', { symKeyID: keys[0], topics: [TOPIC] }))).toBe('string'); // same key: no new trial
    expect(await a.call('shh_unsubscribe', subs[1])).toBe(true);
    expect(typeof (await a.call('shh_newMessageFilter', { symKeyID: keys.at(-1), topics: [TOPIC] }))).toBe('string');
    // Another site has its own allowance.
    const b = await site(h, B);
    expect(typeof (await b.call('shh_subscribe', 'messages', { symKeyID: await b.call('shh_newSymKey'), topics: [TOPIC] }))).toBe('string');
  });
});
