// The monitoring port (relay/monitor.ts, relay/metrics.ts): /health answers 200 only while the relay
// serves and 503 while its store refuses writes; /metrics counters move when envelopes arrive and when
// a neighbour's flood is refused. A real relay process and a plain libp2p node flooding it on gossip.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, describe, expect, it } from 'vitest';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { createWhisperNode, type WhisperLibp2p } from '../../src/net/node.ts';
import { healthCode, MonitorServer, type HealthReport } from '../../relay/monitor.ts';
import { packageVersion } from '../../relay/version.ts';
import { cleanup, startRelay, waitFor } from './harness.ts';
import { sample } from './prometheus.ts';

const nodes: WhisperLibp2p[] = [];
afterAll(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await cleanup();
});

const report = (status: HealthReport['status']): HealthReport => ({ status, version: '0', uptimeSeconds: 0, peers: 0, envelopes: 0, storeWritable: true });

describe('monitor server', () => {
  it('/health: 200 only while serving; /metrics: the text and its type; 404 and 405 otherwise', async () => {
    let status: HealthReport['status'] = 'starting';
    const s = new MonitorServer({ port: 0, health: () => report(status), metrics: { text: async () => 'x_total 1\n', contentType: 'text/plain; version=0.0.4' } });
    await s.start();
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const [st, code] of [['starting', 503], ['serving', 200], ['store-refusing', 503], ['stopping', 503]] as const) {
        status = st;
        const res = await fetch(`${s.url}/health`);
        expect(res.status).toBe(code);
        expect(await res.json()).toMatchObject({ status: st, peers: 0, envelopes: 0 });
        expect(healthCode(report(st))).toBe(code);
      }
      const m = await fetch(`${s.url}/metrics`);
      expect([m.status, m.headers.get('content-type'), await m.text()]).toEqual([200, 'text/plain; version=0.0.4', 'x_total 1\n']);
      expect((await fetch(`${s.url}/`)).status).toBe(404);
      expect((await fetch(`${s.url}/health`, { method: 'POST' })).status).toBe(405);
    } finally {
      await s.stop();
    }
  });
});

async function withEnv<T>(name: string, value: string, f: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value; // spawn copies the environment when it starts the relay
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('a relay with --metrics-port', () => {
  it('health 200 then 503 when its store refuses writes; counters move with envelopes and with a refused flood', async () => {
    // The smallest store cap, so a few large posts make it refuse; a rate limit of 1/s, bursts of 3.
    const a = await withEnv('WHISPER_MAX_STORE_BYTES', '65536', () =>
      startRelay(['--metrics-port', '0', '--min-pow', '0', '--peer-rate', '1', '--peer-burst', '3']),
    );
    expect(a.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = async () => {
      const res = await fetch(`${a.metricsUrl}/health`);
      return { code: res.status, body: (await res.json()) as HealthReport };
    };
    const metrics = async () => (await fetch(`${a.metricsUrl}/metrics`)).text();
    expect(await health()).toMatchObject({ code: 200, body: { status: 'serving', peers: 0, envelopes: 0, storeWritable: true } });
    const m0 = await metrics();
    expect(m0).toMatch(/^# HELP libp2p_/m); // libp2p's own metrics are there too
    expect(sample(m0, 'whisper_relay_info', { version: packageVersion() })).toBe(1);
    expect(sample(m0, 'whisper_store_writable')).toBe(1);

    // A neighbour sends 10 valid envelopes at once: 3 fit its burst, the rest are over the limit.
    const flooder = await createWhisperNode({ role: 'test', listen: [], transports: [webSockets()] });
    nodes.push(flooder);
    await flooder.start();
    await flooder.dial(multiaddr(a.addr));
    const relayId = a.addr.split('/p2p/')[1]!;
    await waitFor('the relay subscribed, seen from the flooder', async () => flooder.services.pubsub.getSubscribers(GOSSIP_TOPIC).some((p) => p.toString() === relayId));
    const now = Math.floor(Date.now() / 1000);
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const data = crypto.getRandomValues(new Uint8Array(32));
        await flooder.services.pubsub.publish(GOSSIP_TOPIC, encodeEnvelope({ expiry: now + 120, ttl: 120, topic: new Uint8Array([0xfa, 0x17, 0, i]), data, nonce: 0n }));
      }
    };
    await send(10);
    const m1 = await waitFor('the flood counted', async () => {
      const t = await metrics();
      const over = sample(t, 'whisper_envelopes_total', { protocol: 'gossip', outcome: 'refused', reason: 'rate-limit' });
      return over > 0 && over + sample(t, 'whisper_pool_envelopes') === 10 ? t : undefined; // each one pooled or refused
    });
    const valid = sample(m1, 'whisper_envelopes_total', { protocol: 'gossip', outcome: 'accepted', reason: 'valid' });
    const over = sample(m1, 'whisper_rate_limited_total', { level: 'over' });
    expect(valid).toBe(10); // every one was valid; the limit refuses valid envelopes
    expect(over).toBeGreaterThanOrEqual(5);
    expect(sample(m1, 'whisper_rate_limited_total', { level: 'abuse' })).toBe(0);
    expect(sample(m1, 'whisper_pool_envelopes')).toBe(10 - over);
    expect(m1.split('\n').filter((l) => l.startsWith('whisper_peers'))).toEqual(['whisper_peers{kind="relay"} 0', 'whisper_peers{kind="browser"} 1']);
    expect(sample(m1, 'whisper_store_bytes')).toBeGreaterThan(0);
    expect((await health()).body).toMatchObject({ peers: 1, envelopes: sample(m1, 'whisper_pool_envelopes') });

    // Keep flooding: at 5x the limit envelopes count as invalid, and the flooder is cut off.
    await send(40).catch(() => undefined); // the relay may hang up mid-flood
    const mCut = await waitFor('the flooder cut off', async () => {
      const t = await metrics();
      return sample(t, 'whisper_cut_offs_total') >= 1 ? t : undefined;
    });
    expect(sample(mCut, 'whisper_rate_limited_total', { level: 'abuse' })).toBeGreaterThan(0);
    expect(sample(mCut, 'whisper_envelopes_total', { protocol: 'gossip', outcome: 'refused', reason: 'rate-limit-abuse' })).toBeGreaterThan(0);
    await waitFor('no peers left', async () => (await health()).body.peers === 0);

    // An RPC post: counted as local, timed by the store.
    const key = (await a.rpc('shh_newSymKey')) as string;
    const post = (payload: string) => a.rpc('shh_post', [{ symKeyID: key, ttl: 300, topic: '0xfa170100', payload, powTime: 2, powTarget: 0.001 }]);
    await post('0x01');
    const m2 = await metrics();
    expect(sample(m2, 'whisper_envelopes_total', { protocol: 'local', outcome: 'accepted', reason: 'valid' })).toBe(1);
    expect(sample(m2, 'whisper_store_write_seconds_count', { result: 'ok' })).toBeGreaterThanOrEqual(1 + 10 - over);

    // Large posts until the capped store refuses one: /health turns 503.
    let refused = false;
    for (let i = 0; i < 10 && !refused; i++) refused = await post('0x' + 'ee'.repeat(30_000)).then(() => false, (e: { code?: number }) => e.code === -32603);
    expect(refused).toBe(true);
    expect(await health()).toMatchObject({ code: 503, body: { status: 'store-refusing', storeWritable: false } });
    const m3 = await metrics();
    expect(sample(m3, 'whisper_store_writable')).toBe(0);
    expect(sample(m3, 'whisper_envelopes_total', { protocol: 'gossip+local', outcome: 'refused', reason: 'store' })).toBeGreaterThanOrEqual(1);
    expect(sample(m3, 'whisper_store_write_seconds_count', { result: 'error' })).toBeGreaterThanOrEqual(1);

    // The dashboard and the operator's guide name only metrics the relay serves.
    const served = new Set([...m3.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]));
    for (const doc of ['docs/grafana-relay.json', 'docs/RELAY.md']) {
      const named = new Set([...readFileSync(join(import.meta.dirname, '../..', doc), 'utf8').matchAll(/\b(whisper_[a-z_]+|libp2p_[a-z_]+)/g)].map((x) => x[1]!.replace(/_(bucket|count|sum)$/, '')));
      expect(named.size, doc).toBeGreaterThan(3);
      for (const n of named) expect([doc, served.has(n) || n === 'libp2p_' ? n : `${n} (not served)`]).toEqual([doc, n]);
    }
  }, 120_000);
});
