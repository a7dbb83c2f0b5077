// The libp2p side of catch-up sync (docs/PROTOCOL.md §3): handles `/shh/6/sync/1.0.0` streams as responder and
// runs `syncWith(peer)` as initiator, over varint length-prefixed frames. Invariants: every read and
// write has a deadline, every session a total deadline, frames and buffers a byte cap; stop() aborts
// every running session. A peer that sends malformed frames or too many invalid envelopes is reported.
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { MAX_MESSAGE_SIZE_CEILING, SYNC_MAX_MESSAGE_BYTES, SYNC_PROTOCOL } from '../../core/constants.ts';
import { isWhisperError, WhisperError } from '../../core/errors.ts';
import { decodeFrame } from './codec.ts';
import type { SyncItems } from './items.ts';
import {
  runInitiator,
  runResponder,
  type FrameChannel,
  type ReceivedEnvelope,
  type ReceiveVerdict,
  type SessionConfig,
  type SyncResult,
} from './session.ts';

export type { SyncResult, ReceiveVerdict, ReceivedEnvelope };

/** What the service needs of a libp2p node. */
export type SyncNode = Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>;

export interface SyncInit {
  /** The live pool in sync order. */
  items: SyncItems;
  getEnvelope(hash: Uint8Array): Uint8Array | undefined;
  /** Validates and stores an envelope like gossip does (docs/PROTOCOL.md §1). */
  receive(rlp: Uint8Array, from: PeerId): Promise<ReceiveVerdict>;
  /**
   * The same for a whole batch at once (one durable write), one verdict per envelope in order;
   * `hash` is the envelope hash the session computed. Absent: receive() for each, one after another.
   */
  receiveBatch?(batch: readonly ReceivedEnvelope[], from: PeerId): Promise<readonly ReceiveVerdict[]>;
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** Called when a session with the peer failed with 'bad-sync' (broken protocol) or 'sync-limit'. */
  onMisbehaviour?(peer: PeerId, error: WhisperError): void;
  /** Largest reconciliation frame written (default and ceiling SYNC_MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number;
  /** Largest envelope RLP accepted in a frame (default: the 1 MiB ceiling plus RLP headers). */
  maxEnvelopeBytes?: number;
  /** Envelopes sent or received per session, each way (default 10 000). */
  maxEnvelopes?: number;
  /** Reconciliation round trips per session (default 64). */
  maxRounds?: number;
  /** Invalid envelopes tolerated per session before it is aborted (default 3). */
  maxRejects?: number;
  /** Envelope bytes sent before waiting for the receiver's acknowledgement (default 256 KiB). */
  batchBytes?: number;
  /** Envelopes sent before waiting for the receiver's acknowledgement (default 1024). */
  batchEnvelopes?: number;
  /**
   * Batches the unacknowledged budget (batchBytes, batchEnvelopes) is cut into (default 2): the
   * receiver stores one while the next travels. 1 is stop-and-wait.
   */
  batchesInFlight?: number;
  /** Deadline of one read or write, ms (default 10 s). */
  ioTimeout?: number;
  /** Deadline of a whole session, ms (default 2 min). */
  sessionTimeout?: number;
  /** Concurrent inbound sync streams per connection (default 2). */
  maxInboundStreams?: number;
  /** Sync over relayed, data-limited connections too (default false: they would eat the relay's budget). */
  runOnLimitedConnection?: boolean;
  /**
   * After a session with a peer failed with 'bad-sync' or a count limit ('sync-limit': rounds, ids,
   * envelopes, rejects), its inbound sessions are refused for this long, ms (default 60 s): each lie
   * costs up to a session of work, and a liar would otherwise open the next one at once. Timeouts
   * do not count: a slow honest peer (a browser storing a backlog) may go on, and waiting costs little.
   */
  misbehaviourCooldown?: number;
}

export const SYNC_DEFAULTS = {
  maxEnvelopeBytes: MAX_MESSAGE_SIZE_CEILING + 64,
  maxEnvelopes: 10_000,
  maxRounds: 64,
  maxRejects: 3,
  // What is unacknowledged must be stored within one ioTimeout. A receiver stores a batch in one
  // transaction (hundreds of envelopes in tens of ms); one writing each envelope alone, as before,
  // managed ~180 a second in a browser, and 1 MiB batches once stalled catch-up for good.
  batchBytes: 256 * 1024,
  batchEnvelopes: 1024,
  // Two halves, not four quarters: half the transactions and marks for the same bytes in flight
  // (relay to relay, a fifth less CPU on the receiver; docs/SYNC.md).
  batchesInFlight: 2,
  ioTimeout: 10_000,
  sessionTimeout: 120_000,
  maxInboundStreams: 2,
  misbehaviourCooldown: 60_000,
} as const;

/** Peers whose last session start we remember (the dialler's fallback looks a few seconds back). */
const MAX_STARTED_BY = 4096;

/** Peers in a misbehaviour cooldown remembered at most; expired entries are dropped first. */
const MAX_COOLING = 1024;

const isPositiveInt = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

export class SyncService {
  readonly #node: SyncNode;
  readonly #init: SyncInit;
  readonly #cfg: Omit<SessionConfig, 'receiveBatch'>;
  readonly #maxEnvelopeBytes: number;
  readonly #ioTimeout: number;
  readonly #sessionTimeout: number;
  readonly #running = new Map<string, Promise<SyncResult>>();
  readonly #cooling = new Map<string, number>();
  /** When each peer last started a session with us (performance.now()), for `startedBy`. */
  readonly #startedBy = new Map<string, number>();
  readonly #cooldown: number;
  #stop = new AbortController();
  #started = false;

  constructor(node: SyncNode, init: SyncInit) {
    if (typeof init?.getEnvelope !== 'function' || typeof init.receive !== 'function' || init.items === undefined)
      throw new TypeError('init needs items, getEnvelope and receive');
    const d = { ...SYNC_DEFAULTS, ...stripUndefined(init) };
    for (const k of ['maxEnvelopeBytes', 'maxEnvelopes', 'maxRounds', 'batchBytes', 'batchEnvelopes', 'batchesInFlight', 'ioTimeout', 'sessionTimeout', 'maxInboundStreams', 'misbehaviourCooldown'] as const)
      if (!isPositiveInt(d[k])) throw new RangeError(`init.${k} must be a positive integer`);
    if (!Number.isSafeInteger(d.maxRejects) || d.maxRejects < 0) throw new RangeError('init.maxRejects must be a non-negative integer');
    this.#node = node;
    this.#init = init;
    this.#maxEnvelopeBytes = d.maxEnvelopeBytes;
    this.#ioTimeout = d.ioTimeout;
    this.#sessionTimeout = d.sessionTimeout;
    this.#cooldown = d.misbehaviourCooldown;
    this.#cfg = {
      items: init.items,
      getEnvelope: (h) => init.getEnvelope(h),
      now: init.now ?? Date.now,
      maxMessageBytes: init.maxMessageBytes ?? SYNC_MAX_MESSAGE_BYTES,
      maxEnvelopes: d.maxEnvelopes,
      maxRounds: d.maxRounds,
      maxRejects: d.maxRejects,
      batchBytes: d.batchBytes,
      batchEnvelopes: d.batchEnvelopes,
      batchesInFlight: d.batchesInFlight,
    };
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#stop = new AbortController();
    await this.#node.handle(SYNC_PROTOCOL, (stream, connection) => this.#respond(stream, connection.remotePeer), {
      maxInboundStreams: this.#init.maxInboundStreams ?? SYNC_DEFAULTS.maxInboundStreams,
      runOnLimitedConnection: this.#init.runOnLimitedConnection ?? false,
    });
    this.#started = true;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stop.abort(new WhisperError('aborted', 'sync service stopped'));
    await this.#node.unhandle(SYNC_PROTOCOL);
    await Promise.allSettled(this.#running.values());
  }

  /** Catches up with `peer`: both end with the union of their live envelopes. One session per peer at a time. */
  syncWith(peer: PeerId, options: AbortOptions = {}): Promise<SyncResult> {
    if (!this.#started) return Promise.reject(new WhisperError('aborted', 'sync service not started'));
    const key = peer.toString();
    const running = this.#running.get(key);
    if (running) return running;
    const p = this.#initiate(peer, options).finally(() => this.#running.delete(key));
    this.#running.set(key, p);
    return p;
  }

  async #initiate(peer: PeerId, options: AbortOptions): Promise<SyncResult> {
    const { signal, deadline } = this.#sessionSignal(options.signal);
    let stream: Stream | undefined;
    try {
      stream = await this.#node.dialProtocol(peer, SYNC_PROTOCOL, {
        signal,
        runOnLimitedConnection: this.#init.runOnLimitedConnection ?? false,
      });
      const result = await runInitiator(this.#channel(stream, signal, deadline), this.#config(peer));
      await stream.close({ signal });
      return result;
    } catch (e) {
      throw this.#fail(peer, stream, mapError(e, signal, deadline));
    }
  }

  /** Whether `peer` has started a session with us at or after `since` (a performance.now() time). */
  startedBy(peer: PeerId, since: number): boolean {
    return (this.#startedBy.get(peer.toString()) ?? -Infinity) >= since;
  }

  async #respond(stream: Stream, peer: PeerId): Promise<void> {
    this.#noteStart(peer.toString());
    const until = this.#cooling.get(peer.toString());
    if (until !== undefined && until > performance.now()) {
      stream.abort(new WhisperError('sync-limit', 'sync refused: the last session with this peer broke the protocol or its limits'));
      return;
    }
    const { signal, deadline } = this.#sessionSignal();
    const done = (async () => {
      try {
        const result = await runResponder(this.#channel(stream, signal, deadline), this.#config(peer));
        await stream.close({ signal });
        return result;
      } catch (e) {
        throw this.#fail(peer, stream, mapError(e, signal, deadline));
      }
    })();
    const key = `in:${peer.toString()}:${stream.id}`;
    this.#running.set(key, done);
    try {
      await done;
    } catch {
      // already reported through onMisbehaviour; the handler has nobody to tell
    } finally {
      this.#running.delete(key);
    }
  }

  #noteStart(key: string): void {
    this.#startedBy.delete(key);
    this.#startedBy.set(key, performance.now());
    // Oldest first (re-inserted on each start): what is dropped is the longest since its last session.
    if (this.#startedBy.size > MAX_STARTED_BY) this.#startedBy.delete(this.#startedBy.keys().next().value!);
  }

  #config(peer: PeerId): SessionConfig {
    const init = this.#init;
    const receiveBatch = init.receiveBatch
      ? (batch: readonly ReceivedEnvelope[]) => init.receiveBatch!(batch, peer)
      : async (batch: readonly ReceivedEnvelope[]): Promise<ReceiveVerdict[]> => {
          const out: ReceiveVerdict[] = [];
          for (const { rlp } of batch) out.push(await init.receive(rlp, peer));
          return out;
        };
    return { ...this.#cfg, receiveBatch };
  }

  #sessionSignal(outer?: AbortSignal): { signal: AbortSignal; deadline: AbortSignal } {
    const deadline = AbortSignal.timeout(this.#sessionTimeout);
    const signals = [this.#stop.signal, deadline];
    if (outer) signals.push(outer);
    return { signal: AbortSignal.any(signals), deadline };
  }

  #channel(stream: Stream, session: AbortSignal, deadline: AbortSignal): FrameChannel {
    const maxData = Math.max(SYNC_MAX_MESSAGE_BYTES, this.#maxEnvelopeBytes + 2);
    // The unacknowledged budget, one frame more per batch in flight and one reconciliation message:
    // the most an honest peer queues.
    const lp = lpStream(stream, {
      maxDataLength: maxData,
      maxBufferSize: this.#cfg.batchBytes + (this.#cfg.batchesInFlight + 1) * maxData + 64 * 1024,
    });
    const io = (): AbortSignal => AbortSignal.any([session, AbortSignal.timeout(this.#ioTimeout)]);
    const run = async <T>(f: (signal: AbortSignal) => Promise<T>): Promise<T> => {
      const signal = io();
      try {
        return await f(signal);
      } catch (e) {
        throw mapError(e, session, deadline, signal);
      }
    };
    return {
      read: () => run(async (signal) => decodeFrame((await lp.read({ signal })).subarray(), this.#maxEnvelopeBytes)),
      write: (frame) => run((signal) => lp.write(frame, { signal })),
      writeMany: (frames) => run((signal) => lp.writeV([...frames], { signal })),
    };
  }

  #fail(peer: PeerId, stream: Stream | undefined, err: unknown): unknown {
    stream?.abort(err instanceof Error ? err : new Error(String(err)));
    // Timeouts are reported too: the caller weighs a slow peer against a broken one by the message.
    if (isWhisperError(err, 'bad-sync') || isWhisperError(err, 'sync-limit')) {
      if (!TIMEOUTS.has(err.message)) this.#coolDown(peer.toString());
      this.#init.onMisbehaviour?.(peer, err);
    }
    return err;
  }

  // Real time (performance.now), not init.now: that clock dates envelopes and tests freeze it.
  #coolDown(key: string): void {
    const t = performance.now();
    if (this.#cooling.size >= MAX_COOLING) for (const [k, u] of this.#cooling) if (u <= t) this.#cooling.delete(k);
    if (this.#cooling.size >= MAX_COOLING) this.#cooling.delete(this.#cooling.keys().next().value!);
    this.#cooling.delete(key);
    this.#cooling.set(key, t + this.#cooldown);
  }
}

const SESSION_TIMED_OUT = 'sync session timed out';
const IO_TIMED_OUT = 'sync peer too slow: read or write timed out';
const TIMEOUTS = new Set([SESSION_TIMED_OUT, IO_TIMED_OUT]);

/** Turns stream and timeout failures into WhisperErrors the caller can act on. */
function mapError(e: unknown, session: AbortSignal, deadline: AbortSignal, io?: AbortSignal): unknown {
  if (isWhisperError(e)) return e;
  if (deadline.aborted) return new WhisperError('sync-limit', SESSION_TIMED_OUT);
  if (session.aborted) return isWhisperError(session.reason) ? session.reason : new WhisperError('aborted', 'sync aborted');
  if (io?.aborted) return new WhisperError('sync-limit', IO_TIMED_OUT);
  const name = (e as { name?: string } | null)?.name ?? '';
  if (/InvalidDataLength|InvalidMessageLength|StreamBuffer|UnexpectedEOF/.test(name))
    return new WhisperError('bad-sync', `sync stream: ${(e as Error).message}`);
  return e;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Creates and starts the sync service on `node`. */
export async function registerSync(node: SyncNode, init: SyncInit): Promise<SyncService> {
  const service = new SyncService(node, init);
  await service.start();
  return service;
}
