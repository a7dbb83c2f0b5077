// The relay (docs/PROTOCOL.md §5): data folder, durable store, persisted libp2p identity, and the Whisper service
// the browser runs too (src/net/service.ts: WhisperPeer with WebSockets and circuit relay server,
// catch-up, --peer redial, the mix layer), plus its extras: PoW pool and shh_* JSON-RPC. start() loads and
// re-validates stored envelopes (the admission path) before the network opens; stop() undoes it in reverse.

import { useFastestSecp256k1 } from '../src/core/secp256k1.ts';
import type { PeerId } from '@libp2p/interface';
import { availableParallelism } from 'node:os';
import { ShhApi } from '../src/api/shh.ts';
import { EnvelopePool } from '../src/core/pool.ts';
import type { PowPool } from '../src/core/pow-pool.ts';
import type { VerifiedEnvelope } from '../src/core/validate.ts';
import type { WhisperPeer, WhisperPeerInit } from '../src/net/peer.ts';
import { WhisperService } from '../src/net/service.ts';
import type { MixService, MixServiceInit } from '../src/net/mix/mix-service.ts';
import type { StemSettings } from '../src/net/stem/settings.ts';
import { DEFAULT_OPTIONS, type RelayOptions } from './cli.ts';
import { loadOrCreatePrivateKey } from './identity.ts';
import { createNodePowPool } from './pow-pool-node.ts';
import type { RelayMetrics } from './metrics.ts';
import { RelayDirectory } from './relay-directory.ts';
import type { RelayRecord } from '../src/net/relay-record.ts';
import { RpcServer } from './rpc-server.ts';
import { RelayDarkSender, RelayShhNode, type SaveSetting } from './shh-node.ts';
import { rolesOf } from '../src/api/node.ts';
import { EnvelopeStore, type EnvelopeStoreInit } from './store.ts';
import { StoreWriter } from './store-writer.ts';
import { listenAddress, readTls } from './tls.ts';

export interface RelayInit extends Partial<RelayOptions> {
  powWorkers?: number;
  now?: () => number;
  randomBytes?: (n: number) => Uint8Array;
  /** Redial backoff bounds (tests shorten them). */
  redialMinMs?: number;
  redialMaxMs?: number;
  /** Failures that do not stop the relay (a peer's bad sync, a failed dial, a store write). */
  onError?: (e: unknown) => void;
  /** Browser origins allowed to call the RPC (none by default; see RpcServerInit.allowOrigins). */
  rpcOrigins?: readonly string[];
  /** Upper bound on the envelope database in bytes (WHISPER_MAX_STORE_BYTES); none by default. */
  maxStoreBytes?: number;
  /** Told when the store starts refusing envelopes and when it stores again (EnvelopeStoreInit.onWritable). */
  onStoreWritable?: EnvelopeStoreInit['onWritable'];
  /** Private first hops (docs/PRIVACY.md): settings over the defaults, or false for plain gossip. On by default. */
  stem?: Partial<StemSettings> | false;
  /** Makes shh_setMinPoW / shh_setMaxMessageSize durable before they apply (settings.ts); not kept by default. */
  saveSetting?: SaveSetting;
  /** How often other relays are asked for the relays they know (relay-directory.ts; tests shorten it). */
  relayRefreshMs?: number;
  /** A relay learnt from another relay's answer. */
  onRelayLearnt?: (record: RelayRecord) => void;
  /** Prometheus metrics (metrics.ts): libp2p's and the relay's; none by default. */
  metrics?: RelayMetrics;
  /** The per-neighbour budget over every protocol (RATE_LIMIT_DEFAULTS; tests tighten it). */
  rateLimit?: WhisperPeerInit['rateLimit'];
  /**
   * The mix layer's settings over its defaults (delays, client rate, cover; tests speed them up). The
   * relay is always a mix; its client runs unless `mixClient` (--mix-client off) is false.
   */
  mix?: Omit<MixServiceInit, 'mix' | 'client'>;
}

// Every RelayOptions key, the optional ones too: what the Relay takes from its init. The optional
// options have no entry in DEFAULT_OPTIONS (unset means the library's default), so taking the keys of
// DEFAULT_OPTIONS silently dropped --max-conns-per-ip, --max-reservations-per-ip, --coalesce-ms and
// --discovery-fanout (a relay given --max-conns-per-ip 0 still refused the 257th connection from one
// address). `satisfies` makes an option missing from this list a compile error.
const OPTION_KEYS = Object.keys({
  port: true,
  host: true,
  rpcPort: true,
  data: true,
  peers: true,
  announce: true,
  minPow: true,
  maxSize: true,
  peerRate: true,
  peerBurst: true,
  peerBytesRate: true,
  peerBytesBurst: true,
  cutOffSeconds: true,
  ipConnectionsPerSecond: true,
  maxPendingHandshakes: true,
  maxConnections: true,
  connsPerIp: true,
  reservationsPerIp: true,
  relayPeers: true,
  coalesceMs: true,
  discoveryFanout: true,
  mixClient: true,
  tlsCert: true,
  tlsKey: true,
} satisfies Record<keyof RelayOptions, true>) as Array<keyof RelayOptions>;

const webRandom = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

export class Relay {
  readonly options: RelayOptions;
  readonly #init: RelayInit;
  #store: EnvelopeStore | undefined;
  #writer: StoreWriter | undefined;
  #pow: PowPool | undefined;
  #service: WhisperService | undefined;
  #peer: WhisperPeer | undefined;
  #api: ShhApi | undefined;
  #rpc: RpcServer | undefined;
  #directory: RelayDirectory | undefined;
  #loaded = 0;

  constructor(init: RelayInit = {}) {
    this.#init = init;
    const pick = stripUndefined(Object.fromEntries(OPTION_KEYS.map((k) => [k, init[k]])));
    this.options = { ...DEFAULT_OPTIONS, peers: [], announce: [], ...pick };
  }

  get peer(): WhisperPeer {
    if (!this.#peer) throw new Error('relay not started');
    return this.#peer;
  }

  get peerId(): PeerId {
    return this.peer.peerId;
  }

  /** Listen addresses (or the --announce ones) with /p2p/<id>: what browsers and other relays dial. */
  multiaddrs(): string[] {
    return this.peer.getMultiaddrs().map((m) => m.toString());
  }

  /** The mix layer (src/net/mix/mix-service.ts): the relay's mix, its key records, its client. */
  get mix(): MixService {
    const m = this.#service?.mix;
    if (!m) throw new Error('relay not started');
    return m;
  }

  /** The relays this relay learnt from others (relay-directory.ts), once started. */
  get directory(): RelayDirectory | undefined {
    return this.#directory;
  }

  get rpcUrl(): string {
    if (!this.#rpc) throw new Error('relay not started');
    return this.#rpc.url;
  }

  /** Envelopes re-validated from disk at the last start. */
  get loaded(): number {
    return this.#loaded;
  }

  async start(): Promise<void> {
    if (this.#peer) return;
    try {
      await this.#start();
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async #start(): Promise<void> {
    const o = this.options;
    const now = this.#init.now ?? Date.now;
    // libsecp256k1 (WebAssembly) for ECDH: asymmetric trial decryption is ~10x faster than pure JS.
    await useFastestSecp256k1();
    const onError = this.#init.onError ?? (() => {});
    const store = (this.#store = EnvelopeStore.open(o.data, {
      now,
      ...(this.#init.maxStoreBytes !== undefined ? { maxBytes: this.#init.maxStoreBytes } : {}),
      ...(this.#init.onStoreWritable ? { onWritable: this.#init.onStoreWritable } : {}),
    }));
    const privateKey = await loadOrCreatePrivateKey(o.data);
    const pool = new EnvelopePool({ now });
    // Group commit: envelopes accepted in the same turn share one fsync (store-writer.ts).
    const writer = (this.#writer = new StoreWriter(store));
    const m = this.#init.metrics;
    const write = async (e: VerifiedEnvelope): Promise<void> => void (await writer.put(e));
    const persist = m ? m.forPeer(m.timeStore(write)) : write;
    // The service the browser's peer host runs too (src/net/service.ts); --peer relays are trusted
    // (no rate limit, never cut off: docs/RELAY.md "Limits") and kept dialled.
    const service = (this.#service = await WhisperService.create({
      nodeInit: {
        role: 'relay',
        privateKey,
        listen: [listenAddress(o.host, o.port, o.tlsCert !== undefined)],
        ...(o.tlsCert !== undefined && o.tlsKey !== undefined ? { webSockets: { https: readTls({ cert: o.tlsCert, key: o.tlsKey }) } } : {}),
        ...(o.announce.length ? { announce: o.announce } : {}),
        relayLimits: { inboundPerHostPerSecond: o.ipConnectionsPerSecond, maxIncomingPending: o.maxPendingHandshakes, maxConnections: o.maxConnections },
        ...(m ? { metrics: m.libp2p() } : {}),
        perIp: stripUndefined({ connectionsPerIp: o.connsPerIp, reservationsPerIp: o.reservationsPerIp }),
        ...(o.discoveryFanout === undefined ? {} : { discovery: { fanout: o.discoveryFanout } }),
        ...(o.coalesceMs === 'off' ? { gossip: { coalesce: false }, joinWsFrames: false } : o.coalesceMs === undefined ? {} : { gossip: { coalesce: { delayMs: o.coalesceMs } } }),
      },
      pool,
      // The start-up load reads the rows in pages, in the table's order (EnvelopeStore.loadable).
      store: { put: persist, live: (nowSeconds: number) => store.loadable(nowSeconds) },
      now,
      minPow: o.minPow,
      maxSize: o.maxSize,
      trusted: o.peers,
      redial: {
        label: '--peer',
        maxDelayMs: 60_000,
        // A --peer that just dropped is most likely restarting: dial it every second for a minute
        // (Node has no WebSocket throttle, unlike Chromium; see RedialInit.recentMaxDelayMs).
        recentMaxDelayMs: 1000,
        ...(this.#init.redialMinMs !== undefined ? { minDelayMs: this.#init.redialMinMs } : {}),
        ...(this.#init.redialMaxMs !== undefined ? { maxDelayMs: this.#init.redialMaxMs } : {}),
      },
      ...(this.#init.stem === false ? {} : { stem: { settings: this.#init.stem ?? {}, randomBytes: this.#init.randomBytes ?? webRandom } }),
      rateLimit: this.#init.rateLimit ?? { envelopesPerSecond: o.peerRate, burstEnvelopes: o.peerBurst, bytesPerSecond: o.peerBytesRate, burstBytes: o.peerBytesBurst },
      cutOff: { cooldownMs: o.cutOffSeconds * 1000 },
      // Always a mix for others; a mix client for the operator from start-up unless turned off, so a
      // first dark post never starts a clock an observer could see (docs/RELAY.md "Dark posts").
      mix: { ...this.#init.mix, mix: true, client: o.mixClient },
      ...(m ? { onSync: (run: Promise<void>) => m.session(run) } : {}),
      onError,
    }));
    const peer = (this.#peer = service.peer);
    m?.attach(peer);
    if (service.mix) m?.attachMix(service.mix);
    this.#loaded = await peer.admission.load(Math.floor(now() / 1000));
    pool.start();
    store.start(onError);
    // Started last (below): a relay seals only for its operator's shh_post, so its worker threads,
    // each loading its own modules, need not compete with the load and the network for the cores.
    this.#pow = createNodePowPool({ size: this.#init.powWorkers ?? Math.max(1, availableParallelism()) });
    await service.start();
    this.#directory = new RelayDirectory({
      node: peer.node,
      privateKey,
      target: o.relayPeers,
      isConfigured: (id) => service.isConfigured(id),
      onError,
      ...(this.#init.relayRefreshMs !== undefined ? { refreshMs: this.#init.relayRefreshMs } : {}),
      ...(this.#init.onRelayLearnt ? { onLearnt: this.#init.onRelayLearnt } : {}),
    });
    await this.#directory.start();
    const node = new RelayShhNode(service, this.#pow, this.#init.saveSetting);
    const dark = new RelayDarkSender(service.mix!, o.mixClient);
    this.#api = new ShhApi({ node: { ...rolesOf(node, node), dark }, randomBytes: this.#init.randomBytes ?? webRandom, now });
    this.#api.start();
    this.#rpc = new RpcServer({ handler: this.#api, port: o.rpcPort, allowOrigins: this.#init.rpcOrigins ?? [] });
    this.#pow.start(); // before the first request can come
    await this.#rpc.start();
  }

  async stop(): Promise<void> {
    await this.#rpc?.stop();
    this.#api?.stop();
    await this.#directory?.stop();
    await this.#service?.stop();
    this.#peer?.pool.stop();
    this.#pow?.stop();
    this.#writer?.flush();
    this.#store?.close();
    this.#rpc = this.#api = this.#directory = this.#service = this.#peer = this.#pow = this.#store = this.#writer = undefined;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
