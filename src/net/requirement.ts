// Neighbours announce what they accept (`/shh/6/requirement/1.0.0`, docs/PROTOCOL.md §3.5; like geth's whisper v6
// powRequirementCode): on every direct connection each side opens a stream and sends one 12-byte frame,
// float64 minPow and uint32 maxSize, and sends again when its setting changes. Invariants: a frame is
// exactly 12 bytes and in range or it is dropped (stream aborted, nothing counted); one entry per connected peer.

import { logger } from '@libp2p/logger';
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { MAX_MESSAGE_SIZE_CEILING } from '../core/constants.ts';

const log = logger('shh:net:requirement');

export const REQUIREMENT_PROTOCOL = '/shh/6/requirement/1.0.0';
export const REQUIREMENT_FRAME_BYTES = 12;
/** After we raise our minimum, envelopes between the old and the new one are ignored, not penalised: they may have been in flight. */
export const REQUIREMENT_GRACE_MS = 10_000;

export interface Requirement {
  minPow: number;
  maxSize: number;
}

export function encodeRequirement(r: Requirement): Uint8Array {
  if (!Number.isFinite(r.minPow) || r.minPow < 0) throw new RangeError('minPow must be a finite number >= 0');
  if (!Number.isInteger(r.maxSize) || r.maxSize < 1 || r.maxSize > MAX_MESSAGE_SIZE_CEILING)
    throw new RangeError(`maxSize must be an integer in 1..${MAX_MESSAGE_SIZE_CEILING}`);
  const out = new Uint8Array(REQUIREMENT_FRAME_BYTES);
  const view = new DataView(out.buffer);
  view.setFloat64(0, r.minPow);
  view.setUint32(8, r.maxSize);
  return out;
}

/** The requirement a frame carries, or undefined if it is not exactly one valid frame. */
export function decodeRequirement(bytes: Uint8Array): Requirement | undefined {
  if (bytes.length !== REQUIREMENT_FRAME_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const minPow = view.getFloat64(0);
  const maxSize = view.getUint32(8);
  if (!Number.isFinite(minPow) || minPow < 0 || maxSize < 1 || maxSize > MAX_MESSAGE_SIZE_CEILING) return undefined;
  return { minPow: minPow === 0 ? 0 : minPow, maxSize }; // -0 reads as 0
}

export type RequirementNode = Pick<Libp2p, 'handle' | 'unhandle' | 'getConnections' | 'addEventListener' | 'removeEventListener'>;

export interface RequirementInit {
  node: RequirementNode;
  /** What this peer accepts now (its own setting, never a value learnt from neighbours: no loops). */
  local: () => Requirement;
  /** Budget of one send (open, write, close) and of one receive, ms (default 10 s). */
  timeoutMs?: number;
  /** A neighbour announced a (new) requirement, or (undefined) left with one. */
  onChange?: (peer: PeerId, r: Requirement | undefined) => void;
  onError?: (e: unknown) => void;
}

export class RequirementExchange {
  readonly #init: RequirementInit;
  readonly #timeoutMs: number;
  readonly #heard = new Map<string, { peer: PeerId; requirement: Requirement }>();
  /** Sends to one peer go one after another, so the last one sent is the last one read. */
  readonly #sending = new Map<string, Promise<void>>();
  #stop = new AbortController();
  #started = false;

  constructor(init: RequirementInit) {
    this.#init = init;
    this.#timeoutMs = init.timeoutMs ?? 10_000;
    if (!(this.#timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#stop = new AbortController();
    const node = this.#init.node;
    await node.handle(REQUIREMENT_PROTOCOL, (stream, connection) => this.#onStream(stream, connection), {
      maxInboundStreams: 2, // one frame per stream; a change may overlap the first
      runOnLimitedConnection: false,
    });
    node.addEventListener('connection:open', this.#onOpen);
    node.addEventListener('peer:disconnect', this.#onDisconnect);
    this.#started = true;
    for (const c of node.getConnections()) this.#send(c);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stop.abort();
    const node = this.#init.node;
    node.removeEventListener('connection:open', this.#onOpen);
    node.removeEventListener('peer:disconnect', this.#onDisconnect);
    this.#heard.clear();
    this.#sending.clear();
    await node.unhandle(REQUIREMENT_PROTOCOL).catch((e: unknown) => log.error('unhandling the requirement protocol failed: %e', e));
  }

  /** Sends our current requirement to every directly connected peer (after our setting changed). */
  announce(): void {
    if (!this.#started) return;
    for (const c of this.#init.node.getConnections()) this.#send(c);
  }

  /** The last requirement a connected peer announced. */
  get(peer: PeerId | string): Requirement | undefined {
    return this.#heard.get(peer.toString())?.requirement;
  }

  /** Every connected peer's last announced requirement. */
  entries(): Array<{ peer: PeerId; requirement: Requirement }> {
    return [...this.#heard.values()];
  }

  #send(conn: Connection): void {
    if (conn.limits || conn.status !== 'open') return;
    const key = conn.remotePeer.toString();
    const prev = this.#sending.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.#sendOne(conn));
    this.#sending.set(key, next);
    void next.finally(() => {
      if (this.#sending.get(key) === next) this.#sending.delete(key);
    });
  }

  async #sendOne(conn: Connection): Promise<void> {
    if (!this.#started || conn.status !== 'open') return;
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#timeoutMs)]);
    let stream: Stream | undefined;
    try {
      const frame = encodeRequirement(this.#init.local());
      stream = await conn.newStream(REQUIREMENT_PROTOCOL, { signal, negotiateFully: false });
      await lpStream(stream).write(frame, { signal });
      await stream.close({ signal });
    } catch (e) {
      // A peer without the protocol (an older build, a plain gossipsub node) is no fault of anyone's.
      stream?.abort(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async #onStream(stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#timeoutMs)]);
    try {
      const lp = lpStream(stream, { maxDataLength: REQUIREMENT_FRAME_BYTES });
      const r = decodeRequirement((await lp.read({ signal })).subarray());
      if (!r) throw new Error('not a requirement frame');
      await stream.close({ signal }).catch((e: unknown) => log('closing a requirement stream failed: %e', e));
      const peer = connection.remotePeer;
      const key = peer.toString();
      // Only while connected: a frame that lands after the hang-up must not leave an entry behind.
      if (!this.#started || !this.#init.node.getConnections().some((c) => c.remotePeer.equals(peer))) return;
      const old = this.#heard.get(key)?.requirement;
      this.#heard.set(key, { peer, requirement: r });
      if (old?.minPow !== r.minPow || old.maxSize !== r.maxSize) this.#init.onChange?.(peer, r);
    } catch (e) {
      // Garbage, a late or oversize frame: close this stream, count nothing against the peer.
      stream.abort(e instanceof Error ? e : new Error(String(e)));
    }
  }

  readonly #onOpen = (evt: CustomEvent<Connection>): void => {
    this.#send(evt.detail);
  };

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const key = evt.detail.toString();
    if (this.#heard.delete(key)) this.#init.onChange?.(evt.detail, undefined);
  };
}

/** The network floor: the strictest requirement among `peers` (max minPow, min maxSize), and who set the minPow. */
export function networkFloor(entries: Iterable<{ peer: PeerId; requirement: Requirement }>): (Requirement & { by?: PeerId }) | undefined {
  let floor: (Requirement & { by?: PeerId }) | undefined;
  for (const { peer, requirement: r } of entries) {
    if (!floor) floor = { ...r, by: peer };
    else {
      if (r.minPow > floor.minPow) floor = { ...floor, minPow: r.minPow, by: peer };
      if (r.maxSize < floor.maxSize) floor.maxSize = r.maxSize;
    }
  }
  return floor;
}
