// The relay's Prometheus metrics (docs/RELAY.md "Monitor"): libp2p's own through
// @libp2p/prometheus-metrics (connections, streams per protocol, bytes, the Node process), the mix
// layer's (mix-metrics.ts) and ours, all in one prom-client Registry served by monitor.ts. Counters
// only ever rise; gauges are read from the live pool, store files and connections when scraped, so
// they cannot drift. Labels never carry peer ids or addresses (a scrape must not be a list of who
// uses the relay).

import { prometheusMetrics } from '@libp2p/prometheus-metrics';
import type { Metrics, PeerId } from '@libp2p/interface';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { VerifiedEnvelope } from '../src/core/validate.ts';
import type { MixService } from '../src/net/mix/mix-service.ts';
import type { WhisperPeer } from '../src/net/peer.ts';
import { MixMetrics } from './mix-metrics.ts';
import { DB_FILE } from './store.ts';

/** Circuit relay v2's hop protocol: only relays serve it, so it tells relays from browsers. */
const HOP = '/libp2p/circuit/relay/0.2.0/hop';

export interface RelayMetricsInit {
  /** The data folder, whose envelopes.sqlite (and -wal) size is whisper_store_bytes. */
  data: string;
  version: string;
  /** Extra test: is this connected peer a relay (beyond serving the hop protocol)? e.g. the relay directory. */
  isRelay?: (peer: PeerId) => boolean;
}

export class RelayMetrics {
  readonly registry = new Registry();
  readonly #init: RelayMetricsInit;
  #peer: WhisperPeer | undefined;
  readonly #syncing = new Set<string>();
  readonly #envelopes: Counter<'protocol' | 'outcome' | 'reason'>;
  readonly #rateLimited: Counter<'level'>;
  readonly #cutOffs: Counter;
  readonly #storeWrite: Histogram<'result'>;
  readonly #sessions: Counter<'result'>;
  readonly #sessionsRunning: Gauge;
  readonly #storeWritable: Gauge;
  readonly #mix: MixMetrics;

  constructor(init: RelayMetricsInit) {
    this.#init = init;
    const registers = [this.registry];
    new Gauge({ name: 'whisper_relay_info', help: 'Always 1; the version label is the relay version', labelNames: ['version'], registers }).set(
      { version: init.version },
      1,
    );
    this.#envelopes = new Counter({
      name: 'whisper_envelopes_total',
      help: 'Envelopes received, by protocol (gossip, sync, local = RPC posts and the stem; gossip+local for store refusals on those paths) and outcome (accepted, ignored, rejected, refused) with the reason',
      labelNames: ['protocol', 'outcome', 'reason'],
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'whisper_rate_limited_total',
      help: 'Valid envelopes over a neighbour rate limit: level over (ignored) or abuse (rejected, penalised)',
      labelNames: ['level'],
      registers,
    });
    this.#cutOffs = new Counter({ name: 'whisper_cut_offs_total', help: 'Neighbours hung up on below the graylist threshold', registers });
    this.#storeWrite = new Histogram({
      name: 'whisper_store_write_seconds',
      help: 'Time to make one envelope durable (group commit included), by result (ok, error)',
      labelNames: ['result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.#storeWritable = new Gauge({ name: 'whisper_store_writable', help: '1 while the store accepts writes, 0 while it refuses them', registers });
    this.#storeWritable.set(1);
    this.#sessions = new Counter({
      name: 'whisper_catchup_sessions_total',
      help: 'Catch-up (sync) runs this relay started with peers it dialled, by result',
      labelNames: ['result'],
      registers,
    });
    this.#sessionsRunning = new Gauge({ name: 'whisper_catchup_sessions_running', help: 'Catch-up runs in progress that this relay started', registers });
    const self = this;
    new Gauge({
      name: 'whisper_pool_envelopes',
      help: 'Live envelopes in the pool',
      registers,
      collect() {
        this.set(self.#peer?.pool.size ?? 0);
      },
    });
    new Gauge({
      name: 'whisper_pool_bytes',
      help: 'Bytes of live envelopes in the pool',
      registers,
      collect() {
        this.set(self.#peer?.pool.bytes ?? 0);
      },
    });
    new Gauge({
      name: 'whisper_store_bytes',
      help: 'Size of envelopes.sqlite and its write-ahead log',
      registers,
      collect() {
        this.set(self.#storeBytes());
      },
    });
    new Gauge({
      name: 'whisper_peers',
      help: 'Connected peers by kind (relay: serves circuit relay or is a known relay; browser: the others)',
      labelNames: ['kind'],
      registers,
      async collect() {
        const kinds = await self.#peerKinds();
        this.set({ kind: 'relay' }, kinds.relay);
        this.set({ kind: 'browser' }, kinds.browser);
      },
    });
    this.#mix = new MixMetrics(this.registry);
  }

  /** libp2p's metrics into the same registry (WhisperNodeInit.metrics). */
  libp2p(): (components: Parameters<ReturnType<typeof prometheusMetrics>>[0]) => Metrics {
    return prometheusMetrics({ registry: this.registry, preserveExistingMetrics: true, statfsLocation: this.#init.data });
  }

  /** Follows a peer's events; call once, right after the peer is built. */
  attach(peer: WhisperPeer): void {
    this.#peer = peer;
    peer.addEventListener('verdict', ({ detail: { verdict, protocol } }) => {
      if (protocol !== 'gossip') return; // stem and catch-up envelopes are counted when pooled (below)
      if (verdict.kind === 'accept') this.#envelopes.inc({ protocol: 'gossip', outcome: 'accepted', reason: 'valid' });
      else if (verdict.kind === 'ignore') this.#envelopes.inc({ protocol: 'gossip', outcome: 'ignored', reason: verdict.reason });
      else this.#envelopes.inc({ protocol: 'gossip', outcome: 'rejected', reason: verdict.error.code });
    });
    peer.addEventListener('rate-limited', ({ detail: { level } }) => {
      this.#rateLimited.inc({ level });
      this.#envelopes.inc({ protocol: 'gossip', outcome: 'refused', reason: level === 'over' ? 'rate-limit' : 'rate-limit-abuse' });
    });
    peer.addEventListener('cut-off', () => this.#cutOffs.inc());
    peer.addEventListener('envelope', ({ detail }) => {
      if (detail.from !== undefined) return; // counted by its verdict
      const key = hex(detail.envelope.hash);
      if (this.#syncing.delete(key) || detail.source?.kind === 'sync') this.#envelopes.inc({ protocol: 'sync', outcome: 'accepted', reason: 'valid' });
      else this.#envelopes.inc({ protocol: 'local', outcome: 'accepted', reason: 'valid' });
    });
  }

  /** Follows the relay's mix layer (mix-metrics.ts); call once, right after it is built. */
  attachMix(mix: MixService): void {
    this.#mix.attach(mix);
  }

  /** Times each durable write; a failed one counts as refused by the store. */
  timeStore(persist: (e: VerifiedEnvelope) => Promise<void>): (e: VerifiedEnvelope) => Promise<void> {
    return async (e) => {
      const end = this.#storeWrite.startTimer();
      try {
        await persist(e);
        end({ result: 'ok' });
      } catch (err) {
        end({ result: 'error' });
        throw err;
      }
    };
  }

  /** The persist step of gossip, the stem and RPC posts (WhisperPeerInit.beforeForward): counts refusals. */
  forPeer(persist: (e: VerifiedEnvelope) => Promise<void>): (e: VerifiedEnvelope) => Promise<void> {
    return async (e) => {
      try {
        await persist(e);
      } catch (err) {
        this.#envelopes.inc({ protocol: 'gossip+local', outcome: 'refused', reason: 'store' });
        throw err;
      }
    };
  }

  /** The persist step of catch-up: marks what it stores so the pool event counts it as sync. */
  forSync(persist: (e: VerifiedEnvelope) => Promise<void>): (e: VerifiedEnvelope) => Promise<void> {
    return async (e) => {
      try {
        await persist(e);
      } catch (err) {
        this.#envelopes.inc({ protocol: 'sync', outcome: 'refused', reason: 'store' });
        throw err;
      }
      this.#syncing.add(hex(e.hash));
      // Already pooled (a race with gossip): the pool emits nothing, so forget the mark soon.
      if (this.#syncing.size > 10_000) this.#syncing.clear();
    };
  }

  /** Counts a catch-up run this relay started. */
  session(run: Promise<void>): Promise<void> {
    this.#sessionsRunning.inc();
    return run.then(
      () => {
        this.#sessionsRunning.dec();
        this.#sessions.inc({ result: 'done' });
      },
      (e: unknown) => {
        this.#sessionsRunning.dec();
        this.#sessions.inc({ result: 'failed' });
        throw e;
      },
    );
  }

  /** The store's writability (EnvelopeStoreInit.onWritable). */
  storeWritable(writable: boolean): void {
    this.#storeWritable.set(writable ? 1 : 0);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #storeBytes(): number {
    let n = 0;
    for (const f of [DB_FILE, `${DB_FILE}-wal`]) {
      try {
        n += statSync(join(this.#init.data, f)).size;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    return n;
  }

  async #peerKinds(): Promise<{ relay: number; browser: number }> {
    const out = { relay: 0, browser: 0 };
    const node = this.#peer?.node;
    if (!node || node.status !== 'started') return out;
    for (const id of node.getPeers()) {
      let relay = this.#init.isRelay?.(id) ?? false;
      if (!relay) {
        try {
          relay = (await node.peerStore.get(id)).protocols.includes(HOP);
        } catch {
          relay = false; // not identified yet: counted as a browser until it is
        }
      }
      out[relay ? 'relay' : 'browser']++;
    }
    return out;
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
