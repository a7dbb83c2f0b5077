// Relays find each other (docs/RELAY.md "Scale out"): each relay answers `/shh/6/relays/1.0.0` with
// its own record, freshly signed (src/net/relay-record.ts), and the records it learnt from others; it
// asks every peer that speaks the protocol when they connect and again every refresh, keeps the newest
// verified record per relay (bounded, stale ones dropped), and dials learnt relays until it has
// `target` relay neighbours. It never hangs up on anyone: the bound is on what it dials.

import type { Connection, Libp2p, PeerId, PrivateKey, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import type { Multiaddr } from '@multiformats/multiaddr';
import { isRecordAddress, MAX_RECORD_ADDRS, MAX_RECORD_BYTES, RELAY_RECORD_PROTOCOL, signRelayRecord, verifyRelayRecord, withoutPeerId, type RelayRecord } from '../src/net/relay-record.ts';

export interface RelayDirectoryInit {
  node: Libp2p;
  privateKey: PrivateKey;
  /** Relay neighbours to keep; 0 answers and learns but never dials. */
  target: number;
  /** Relays the operator listed (--peer): they count as relay neighbours. */
  isConfigured?: (peer: PeerId) => boolean;
  /** How often connected relays are asked again and neighbours topped up (default 60 s). */
  refreshMs?: number;
  /** Records older than this are dropped (default one hour). */
  maxAgeS?: number;
  /** Relays remembered (default 256) and records sent in one answer (default 32). */
  maxKnown?: number;
  maxShared?: number;
  /** A learnt relay whose dial failed is not dialled again for this long (default 5 min). */
  retryMs?: number;
  now?: () => number;
  onError?: (e: unknown) => void;
  /** A relay we did not know before (for the log). */
  onLearnt?: (record: RelayRecord) => void;
}

const TIMEOUT_MS = 10_000;

export class RelayDirectory {
  readonly #init: RelayDirectoryInit;
  readonly #known = new Map<string, RelayRecord>();
  readonly #failed = new Map<string, number>();
  readonly #dialling = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #topology: string | undefined;
  #stop = new AbortController();
  #started = false;

  constructor(init: RelayDirectoryInit) {
    if (!Number.isInteger(init.target) || init.target < 0) throw new RangeError('target must be an integer >= 0');
    this.#init = init;
  }

  get #now(): number {
    return Math.floor((this.#init.now ?? Date.now)() / 1000);
  }

  /** Relays learnt and not stale, our own excluded. */
  known(): RelayRecord[] {
    this.#prune();
    return [...this.#known.values()];
  }

  /** Whether a peer is a relay we know of (or one the operator listed). */
  isRelay(peer: PeerId): boolean {
    return this.#known.has(peer.toString()) || (this.#init.isConfigured?.(peer) ?? false);
  }

  /** Connected relay neighbours. */
  neighbours(): number {
    return this.#init.node.getPeers().filter((p) => this.isRelay(p)).length;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stop = new AbortController();
    const node = this.#init.node;
    await node.handle(RELAY_RECORD_PROTOCOL, (stream) => this.#answer(stream), { maxInboundStreams: 2, runOnLimitedConnection: false });
    this.#topology = await node.register(RELAY_RECORD_PROTOCOL, {
      onConnect: (peer, conn) => void this.#ask(peer, conn),
    });
    this.#timer = setInterval(() => void this.refresh(), this.#init.refreshMs ?? 60_000);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stop.abort();
    clearInterval(this.#timer);
    const node = this.#init.node;
    if (this.#topology) node.unregister(this.#topology);
    await node.unhandle(RELAY_RECORD_PROTOCOL).catch((e: unknown) => this.#init.onError?.(e));
  }

  /** Asks every connected relay again, then dials learnt relays up to the target. */
  async refresh(): Promise<void> {
    if (!this.#started) return;
    const node = this.#init.node;
    await Promise.all(
      node.getConnections().filter((c) => !c.limits && this.isRelay(c.remotePeer)).map((c) => this.#ask(c.remotePeer, c)),
    );
    this.#fill();
  }

  async #ownRecord(): Promise<Uint8Array | undefined> {
    const addrs = this.#init.node.getMultiaddrs().map(withoutPeerId).filter(isRecordAddress).slice(0, MAX_RECORD_ADDRS);
    if (addrs.length === 0) return undefined;
    return signRelayRecord(this.#init.privateKey, this.#now, addrs);
  }

  // Our record first, then the freshest of the others, each one length-prefixed; then close.
  async #answer(stream: Stream): Promise<void> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(TIMEOUT_MS)]);
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_RECORD_BYTES });
      const own = await this.#ownRecord();
      const others = this.known().sort((a, b) => b.at - a.at).slice(0, (this.#init.maxShared ?? 32) - 1);
      for (const bytes of [...(own ? [own] : []), ...others.map((r) => r.bytes)]) await lp.write(bytes, { signal });
      await stream.close({ signal });
    } catch (e) {
      stream.abort(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async #ask(peer: PeerId, conn: Connection): Promise<void> {
    if (!this.#started || conn.limits || conn.status !== 'open') return;
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(TIMEOUT_MS)]);
    let stream: Stream | undefined;
    try {
      stream = await conn.newStream(RELAY_RECORD_PROTOCOL, { signal });
      await stream.close({ signal }); // nothing to send: the answer comes back on the read side
      const lp = lpStream(stream, { maxDataLength: MAX_RECORD_BYTES });
      const max = this.#init.maxShared ?? 32;
      for (let i = 0; i < max; i++) {
        let frame: Uint8Array;
        try {
          frame = (await lp.read({ signal })).subarray();
        } catch (e) {
          if (isEnd(e)) break; // the answer is complete
          throw e;
        }
        await this.#learn(frame, peer);
      }
    } catch (e) {
      stream?.abort(e instanceof Error ? e : new Error(String(e)));
      this.#init.onError?.(e);
    }
    this.#fill();
  }

  async #learn(frame: Uint8Array, from: PeerId): Promise<void> {
    const v = await verifyRelayRecord(frame, { now: this.#now, maxAgeS: this.#init.maxAgeS ?? 3600 });
    if (v.kind === 'reject') throw new Error(`${from.toString()} sent ${v.error.message}`);
    if (v.kind === 'ignore') return;
    const r = v.record;
    if (r.peerId === this.#init.node.peerId.toString()) return;
    const old = this.#known.get(r.peerId);
    if (old && old.at >= r.at) return;
    this.#known.delete(r.peerId);
    this.#known.set(r.peerId, r);
    if (!old) this.#init.onLearnt?.(r);
    const max = this.#init.maxKnown ?? 256;
    while (this.#known.size > max) this.#known.delete(this.#known.keys().next().value!);
  }

  #prune(): void {
    const oldest = this.#now - (this.#init.maxAgeS ?? 3600);
    for (const [id, r] of this.#known) if (r.at < oldest) this.#known.delete(id);
  }

  // Dial learnt relays we are not connected to, newest record first, until the target is met.
  #fill(): void {
    if (!this.#started) return;
    const node = this.#init.node;
    let missing = this.#init.target - this.neighbours() - this.#dialling.size;
    if (missing <= 0) return;
    const connected = new Set(node.getPeers().map((p) => p.toString()));
    const now = Date.now();
    for (const r of this.known().sort((a, b) => b.at - a.at)) {
      if (missing <= 0) break;
      if (connected.has(r.peerId) || this.#dialling.has(r.peerId) || (this.#failed.get(r.peerId) ?? 0) > now) continue;
      missing--;
      void this.#dial(r);
    }
  }

  async #dial(r: RelayRecord): Promise<void> {
    this.#dialling.add(r.peerId);
    try {
      const addrs: Multiaddr[] = r.addrs.map((a) => a.encapsulate(`/p2p/${r.peerId}`));
      await this.#init.node.dial(addrs, { signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(30_000)]) });
      this.#failed.delete(r.peerId);
    } catch (e) {
      this.#failed.set(r.peerId, Date.now() + (this.#init.retryMs ?? 300_000));
      this.#init.onError?.(e);
    } finally {
      this.#dialling.delete(r.peerId);
    }
  }
}

// The answering side closed its end: lpStream reports the end of input as an error.
const isEnd = (e: unknown): boolean => /UnexpectedEOF|end of input|unexpected end/i.test(`${(e as Error)?.name} ${(e as Error)?.message}`);
