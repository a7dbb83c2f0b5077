// Serves the PeerChannel (src/rpc/peer.ts) over a PeerHost: checks every frame and its parameters
// with the rpc guards (the background is not trusted blindly), runs the op, answers {code, message}
// on failure, and turns the host's events into event frames. Transport-free: the offscreen Port and
// Firefox's in-process channel both sit on top of it. The background keeps no copy of the pool: it
// says which topics its watchers follow (`watch`) and gets the bytes of new envelopes on those only,
// and asks for a new watcher's back-fill by topic (`envelopes`). Nothing is watched until it says so.
// The node queries (src/rpc/node-queries.ts) are served by their one set of handlers over the host's
// Whisper service (src/api/node-queries.ts).

import { ParamError, RpcError, RPC } from '../rpc/errors.ts';
import type { Handlers } from '../rpc/channel.ts';
import { fromHex, toHex } from '../core/bytes.ts';
import { MAX_MESSAGE_SIZE_CEILING, MAX_UINT32 } from '../core/constants.ts';
import type { Envelope, EnvelopeParams } from '../core/envelope.ts';
import type { PoolSealOptions } from '../core/pow-pool.ts';
import type { VerifiedEnvelope } from '../core/validate.ts';
import { nodeQueries, type QueriedService } from '../api/node-queries.ts';
import { peerChannel } from '../rpc/peer-channel.ts';
import { isPeerFrame, type PeerEvents, type PeerFrame, type PeerOp, type PeerRequests, type PeerStatus } from '../rpc/peer.ts';
import type { ConfigureParams, PeerHostEvents } from './peer-host.ts';
import type { TypedEventTarget } from '@libp2p/interface';

/** What the server needs of the peer host (PeerHost implements it; tests pass fakes). */
export interface PeerService extends TypedEventTarget<PeerHostEvents> {
  post(rlp: Uint8Array, opts?: { dark?: boolean }): Promise<{ hash: Uint8Array }>;
  seal(params: EnvelopeParams, opts: PoolSealOptions): Promise<Envelope>;
  envelopes(): Iterable<{ rlp: Uint8Array; topic: Uint8Array }>;
  status(): PeerStatus;
  configure(c: ConfigureParams): Promise<PeerStatus>;
  /** The Whisper service running now (src/net/service.ts), which answers node queries; undefined while stopped. */
  whisper(): QueriedService | undefined;
}

export interface PeerServerInit {
  /** Delivers an event frame to the background (queued by the transport while it is away). */
  emit: (frame: Extract<PeerFrame, { kind: 'event' }>) => void;
  /** Least time between two sealProgress events of one seal (default 250 ms). */
  progressMs?: number;
  now?: () => number;
}

export class PeerServer {
  readonly #service: PeerService;
  readonly #init: PeerServerInit;
  readonly #now: () => number;
  readonly #seals = new Map<string, AbortController>();
  /** The background's watched topics (as 8 hex), or 'all'. */
  #watched: Set<string> | 'all' = new Set();
  #started = false;

  constructor(service: PeerService, init: PeerServerInit) {
    this.#service = service;
    this.#init = init;
    this.#now = init.now ?? Date.now;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#service.addEventListener('envelope', this.#onEnvelope);
    this.#service.addEventListener('status', this.#onStatus);
  }

  stop(): void {
    this.#started = false;
    this.#service.removeEventListener('envelope', this.#onEnvelope);
    this.#service.removeEventListener('status', this.#onStatus);
    for (const c of this.#seals.values()) c.abort();
    this.#seals.clear();
  }

  /**
   * Handles one frame from the background. Requests resolve to their response frame; other valid
   * frames (keepalive, hello) and frames without a usable id resolve to undefined (nothing to answer).
   */
  async handle(frame: unknown): Promise<PeerFrame | undefined> {
    if (!isPeerFrame(frame)) {
      const id = (frame as { id?: unknown } | null)?.id;
      return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0
        ? { kind: 'response', id, error: { code: RPC.invalidRequest, message: 'invalid peer frame' } }
        : undefined;
    }
    if (frame.kind !== 'request') return undefined;
    if (!this.#started) return { kind: 'response', id: frame.id, error: { code: RPC.disconnected, message: 'peer host stopped' } };
    return this.#server.handle(frame);
  }

  /** Runs one op after checking its parameters; throws what toRpcError maps (the in-process channel). */
  async request<K extends PeerOp>(op: K, params: unknown): Promise<PeerRequests[K]['result']> {
    if (!this.#started) throw new RpcError(RPC.disconnected, 'peer host stopped');
    return this.#server.request(op, params);
  }

  readonly #handlers: Handlers<PeerRequests> = {
    ...nodeQueries(() => this.#service.whisper()),
    post: async ({ rlp, dark }) => ({ hash: toHex((await this.#service.post(fromHex(rlp, true, 'rlp'), dark === undefined ? {} : { dark })).hash) }),
    seal: async (p) => {
      const params = sealParams(p);
      if (this.#seals.has(p.sealId)) throw new RpcError(RPC.invalidParams, `seal ${p.sealId} is already running`);
      const abort = new AbortController();
      this.#seals.set(p.sealId, abort);
      let last = -Infinity;
      try {
        const env = await this.#service.seal(params, {
          target: p.target,
          timeMs: p.timeMs,
          signal: abort.signal,
          onProgress: (pr) => {
            const t = this.#now();
            if (t - last < (this.#init.progressMs ?? 250)) return;
            last = t;
            this.#emit('sealProgress', { sealId: p.sealId, hashes: pr.hashes, bestPow: pr.bestPow, elapsedMs: pr.elapsedMs });
          },
        });
        return { nonce: nonceHex(env.nonce) };
      } finally {
        if (this.#seals.get(p.sealId) === abort) this.#seals.delete(p.sealId);
      }
    },
    cancelSeal: async ({ sealId }) => {
      this.#seals.get(sealId)?.abort();
      return null;
    },
    envelopes: async ({ topics }) => {
      const want = topicSet(topics);
      const rlps: string[] = [];
      for (const e of this.#service.envelopes()) if (want === 'all' || want.has(topicKey(e.topic))) rlps.push(toHex(e.rlp));
      return { rlps };
    },
    watch: async ({ topics }) => {
      this.#watched = topicSet(topics);
      return null;
    },
    status: async () => this.#service.status(),
    configure: async (p) => this.#service.configure(p),
  };

  // The params go straight from the frame into core codecs, whose misuse errors (TypeError,
  // RangeError naming the parameter) are therefore the caller's bad params here.
  readonly #server = peerChannel.serve(this.#handlers, {
    mapError: (e) => (e instanceof TypeError || e instanceof RangeError ? new ParamError(e.message) : e),
  });

  #emit<K extends keyof PeerEvents>(event: K, data: PeerEvents[K]): void {
    if (this.#started) this.#init.emit({ kind: 'event', event, data });
  }

  readonly #onEnvelope = (evt: CustomEvent<VerifiedEnvelope>): void => {
    const e = evt.detail;
    const watched = this.#watched === 'all' || this.#watched.has(topicKey(e.topic));
    this.#emit('envelope', { ...(watched ? { rlp: toHex(e.rlp) } : {}), size: e.rlp.length, p2p: false });
  };

  readonly #onStatus = (evt: CustomEvent<PeerStatus>): void => {
    this.#emit('status', evt.detail);
  };
}

const topicKey = (t: Uint8Array): string => toHex(t, false);
const topicSet = (topics: string[] | undefined): Set<string> | 'all' => (topics === undefined ? 'all' : new Set(topics.map((t) => t.slice(2))));

/** The nonce on the channel: 0x and 16 hex digits, the uint64 big-endian. */
export const nonceHex = (n: bigint): string => `0x${n.toString(16).padStart(16, '0')}`;

function sealParams(p: PeerRequests['seal']['params']): EnvelopeParams {
  if (p.expiry > MAX_UINT32 || p.ttl > MAX_UINT32) throw new RangeError('expiry and ttl must be uint32');
  if (p.ttl === 0) throw new RangeError('ttl must be positive');
  // Hex doubles the bytes: refuse before decoding what no policy could ever accept.
  if (p.data.length > 2 + 2 * MAX_MESSAGE_SIZE_CEILING) throw new RangeError('data is larger than any envelope may be');
  return { expiry: p.expiry, ttl: p.ttl, topic: fromHex(p.topic, true, 'topic'), data: fromHex(p.data, true, 'data') };
}
