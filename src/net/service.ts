// The Whisper service as both the browser's peer host (src/peer/peer-host.ts) and the relay
// (relay/relay.ts) run it: a WhisperPeer over a pool and a durable store, catch-up on /shh/6/sync/1.0.0
// through the same admission path, the configured peers (the user's relays, the relay's --peer) trusted
// and kept dialled. Each caller adds only its extras (the browser: discovery neighbours and the worker
// link; the relay: RPC and PoW). With `mix`, the mix layer (src/net/mix/mix-service.ts) runs on the same
// node: a mix on relays, a client where dark sending is on. One rule for catch-up: the dialled side
// runs the session, on every inbound direct connection (the dialling side after SYNC_FALLBACK_MS if
// the other started none), never with a neighbour in its cut-off.

import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection, PeerId } from '@libp2p/interface';
import type { EnvelopePool } from '../core/pool.ts';
import type { AdmissionInit } from './admission.ts';
import type { WhisperNodeInit } from './node.ts';
import { WhisperPeer, type WhisperPeerInit } from './peer.ts';
import { MixService, type MixServiceInit } from './mix/mix-service.ts';
import { Redialer, type RedialInit } from './redial.ts';
import { CatchUp } from './sync/catch-up.ts';
import { ConfiguredPeers } from './trusted.ts';

/**
 * How long the dialling side waits for the dialled one to start catch-up before it starts one
 * itself (docs/SYNC.md "Who starts"): a round trip and a busy peer's turn, far under a session.
 */
export const SYNC_FALLBACK_MS = 3000;

export interface WhisperServiceInit {
  /** The libp2p node ('relay' or 'browser' role, keys, listen addresses). */
  nodeInit: WhisperNodeInit;
  /** The pool, owned (started, loaded) by the caller, which keeps it across network restarts. */
  pool: EnvelopePool;
  /** Durable before pooled (src/core/envelope-store.ts). */
  store?: AdmissionInit['store'];
  now?: () => number;
  minPow?: number;
  maxSize?: number;
  /**
   * Addresses of configured peers (the user's relays, the relay's --peer): they carry the whole
   * network's traffic, so no rate limit and never cut off (trusted.ts), and they are kept dialled.
   */
  trusted: readonly string[];
  /** The redial of the configured peers (backoff, label, status callback). */
  redial?: Omit<RedialInit, 'onError'>;
  /** Private first hops (src/net/stem/); absent or false: plain gossip. */
  stem?: WhisperPeerInit['stem'] | false;
  rateLimit?: WhisperPeerInit['rateLimit'];
  cutOff?: WhisperPeerInit['cutOff'];
  /**
   * The mix layer (docs/PRIVACY.md "The mix layer"): `mix: true` on relays (serve as a mix, publish a
   * signed key record), `client` where dark posts are sent. Absent or false: no mix layer at all.
   */
  mix?: MixServiceInit | false;
  /** Sees each catch-up run this service starts (metrics); its result is reported through onError. */
  onSync?: (run: Promise<void>) => Promise<void>;
  /** Failures that do not stop the service (a write, a dial, a peer's bad sync). */
  onError?: (e: unknown) => void;
}

export class WhisperService {
  readonly peer: WhisperPeer;
  readonly catchUp: CatchUp;
  readonly redial: Redialer;
  /** The mix layer, when built with `mix`. */
  readonly mix: MixService | undefined;
  readonly #configured: ConfiguredPeers;
  readonly #onSync: WhisperServiceInit['onSync'];
  readonly #onError: (e: unknown) => void;
  /** The dialling side's fallback timers, one per new outbound connection. */
  readonly #fallbacks = new Set<ReturnType<typeof setTimeout>>();
  #started = false;

  /** Builds the node, the peer and catch-up; start() opens the network. */
  static async create(init: WhisperServiceInit): Promise<WhisperService> {
    let configured: ConfiguredPeers | undefined;
    const onError = init.onError ?? (() => {});
    // The mix layer signs its key record with the node's identity, so the key is made here when not given.
    const privateKey = init.nodeInit.privateKey ?? (init.mix ? await generateKeyPair('Ed25519') : undefined);
    const peer = await WhisperPeer.create({
      nodeInit: privateKey ? { ...init.nodeInit, privateKey } : init.nodeInit,
      pool: init.pool,
      ...(init.now ? { now: init.now } : {}),
      ...(init.minPow !== undefined ? { minPow: init.minPow } : {}),
      ...(init.maxSize !== undefined ? { maxSize: init.maxSize } : {}),
      ...(init.store ? { store: init.store } : {}),
      trusted: (id) => configured?.has(id) ?? false,
      ...(init.stem ? { stem: init.stem } : {}),
      ...(init.rateLimit !== undefined ? { rateLimit: init.rateLimit } : {}),
      ...(init.cutOff !== undefined ? { cutOff: init.cutOff } : {}),
      onError,
    });
    configured = new ConfiguredPeers(peer.node, init.trusted);
    const mix = init.mix && privateKey ? new MixService({ peer, privateKey, onError }, init.mix) : undefined;
    return new WhisperService(peer, configured, init, onError, mix);
  }

  private constructor(peer: WhisperPeer, configured: ConfiguredPeers, init: WhisperServiceInit, onError: (e: unknown) => void, mix?: MixService) {
    this.peer = peer;
    this.mix = mix;
    this.#configured = configured;
    this.#onSync = init.onSync;
    this.#onError = onError;
    this.catchUp = new CatchUp({
      node: peer.node,
      pool: init.pool,
      admission: peer.admission,
      // An own post still on its stem is not offered: it would name us as its author (docs/PRIVACY.md).
      withhold: (h) => peer.stem?.holds(h) ?? false,
      ...(init.now ? { now: init.now } : {}),
      onError,
    });
    this.redial = new Redialer(peer.node, init.trusted, { ...init.redial, onError: (_addr, e) => onError(e) });
  }

  /** Whether a peer is one of the configured ones (trusted). */
  isConfigured(id: PeerId): boolean {
    return this.#configured.has(id);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#configured.start();
    await this.catchUp.start();
    await this.peer.start();
    await this.mix?.start();
    this.peer.node.addEventListener('connection:open', this.#onConnection);
    this.redial.start();
    this.#started = true;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.redial.stop();
    this.peer.node.removeEventListener('connection:open', this.#onConnection);
    for (const t of this.#fallbacks) clearTimeout(t);
    this.#fallbacks.clear();
    await this.catchUp.stop();
    await this.mix?.stop();
    await this.peer.stop();
    this.#configured.stop();
  }

  // The side that was dialled runs the session: it is usually the one holding more (a relay that a
  // browser or a restarted relay joins), and a session's initiator sends what it has without being
  // asked, while what it lacks costs a 32-byte id in each direction (docs/SYNC.md "Who starts").
  // The dialling side runs one only if the other has not started one within SYNC_FALLBACK_MS: a peer
  // of an older version starts none on inbound connections. On direct connections only: a relayed
  // (limited) connection would spend the relay's small data budget, and the WebRTC connection that
  // follows it is direct. A neighbour in its cut-off is hung up on, not synced with.
  readonly #onConnection = (evt: CustomEvent<Connection>): void => {
    const c = evt.detail;
    if (c.limits || this.peer.isCut(c.remotePeer)) return;
    if (c.direction === 'inbound') return this.#sync(c.remotePeer);
    const since = performance.now();
    const timer = setTimeout(() => {
      this.#fallbacks.delete(timer);
      if (!this.#started || c.status !== 'open' || this.catchUp.service.startedBy(c.remotePeer, since)) return;
      this.#sync(c.remotePeer);
    }, SYNC_FALLBACK_MS);
    this.#fallbacks.add(timer);
  };

  #sync(peer: PeerId): void {
    const run = this.catchUp.syncWith(peer);
    // syncWith reports its own failures and never rejects; a failing observer is reported here.
    if (this.#onSync) this.#onSync(run).catch(this.#onError);
    else void run;
  }
}
