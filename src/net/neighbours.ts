// Keeps a browser peer's direct WebRTC neighbours (docs/PROTOCOL.md §3, ext design): a target number of direct
// links to other browsers, dialled through a relay's circuit from discovery candidates, lost ones
// replaced. Bounded: few dials at once, per-candidate exponential backoff, a capped candidate table,
// and links beyond `max` closed (newest inbound first). Relays are not neighbours and are left alone.

import type { Connection, Libp2p, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { Announcement } from './announcement.ts';

export interface NeighbourInit {
  /** Direct links to keep (default 4): enough paths that one lost link or one bad neighbour does not isolate us. */
  target?: number;
  /** Above this, extra links are closed (default 8), so a popular peer is not everyone's neighbour. */
  max?: number;
  /** WebRTC dials (signalling through a relay, ICE, DTLS) in flight at once (default 2). */
  maxDials?: number;
  /** Backoff after a failed dial to one candidate: doubles from min to max (defaults 10 s, 10 min). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** A candidate not re-announced for this long is forgotten (default 5 min: ten announce intervals). */
  candidateTtlMs?: number;
  /** Candidates remembered at most (default 256; the least recently announced go first). */
  maxCandidates?: number;
  /** How often the keeper checks its links (default 5 s); events (a lost link, a new candidate) check sooner. */
  tickMs?: number;
  /** Which connections count as neighbours (default: direct, i.e. unlimited, over `/webrtc`). */
  isNeighbour?: (conn: Connection) => boolean;
  /** Addresses this node may dial (e.g. through the configured relays only); others are never tried. */
  canDial?: (ma: Multiaddr) => boolean;
  now?: () => number;
  /** A uniform random number in [0, 1) for picking among candidates. */
  random?: () => number;
  onError?: (e: unknown) => void;
}

type KeeperNode = Pick<Libp2p, 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener' | 'peerId'>;

interface Candidate {
  addrs: Multiaddr[];
  seenAt: number;
  failures: number;
  nextAttemptAt: number;
}

/** A direct (not relay-limited) connection whose remote address is a WebRTC one. */
export const isDirectWebRtc = (conn: Connection): boolean =>
  conn.status === 'open' && conn.limits === undefined && conn.remoteAddr.getComponents().some((c) => c.name === 'webrtc');

const cryptoRandom = (): number => globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;

export class NeighbourKeeper {
  readonly #node: KeeperNode;
  readonly #target: number;
  readonly #max: number;
  readonly #maxDials: number;
  readonly #backoffMin: number;
  readonly #backoffMax: number;
  readonly #ttl: number;
  readonly #maxCandidates: number;
  readonly #tickMs: number;
  readonly #isNeighbour: (conn: Connection) => boolean;
  readonly #canDial: (ma: Multiaddr) => boolean;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #onError: (e: unknown) => void;
  readonly #candidates = new Map<string, Candidate>();
  readonly #dialing = new Set<string>();
  #stop = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;
  #queued = false;
  /** Dials started since start(), for status and tests. */
  attempts = 0;

  constructor(node: KeeperNode, init: NeighbourInit = {}) {
    this.#node = node;
    this.#target = init.target ?? 4;
    this.#max = init.max ?? Math.max(8, this.#target);
    if (!Number.isInteger(this.#target) || this.#target < 0) throw new RangeError('target must be an integer >= 0');
    if (!Number.isInteger(this.#max) || this.#max < this.#target) throw new RangeError('max must be an integer >= target');
    this.#maxDials = init.maxDials ?? 2;
    this.#backoffMin = init.backoffMinMs ?? 10_000;
    this.#backoffMax = init.backoffMaxMs ?? 600_000;
    this.#ttl = init.candidateTtlMs ?? 300_000;
    this.#maxCandidates = init.maxCandidates ?? 256;
    this.#tickMs = init.tickMs ?? 5000;
    this.#isNeighbour = init.isNeighbour ?? isDirectWebRtc;
    this.#canDial = init.canDial ?? (() => true);
    this.#now = init.now ?? Date.now;
    this.#random = init.random ?? cryptoRandom;
    this.#onError = init.onError ?? (() => {});
  }

  get target(): number {
    return this.#target;
  }

  /** Peers we hold a neighbour link to now. */
  neighbours(): PeerId[] {
    const seen = new Map<string, PeerId>();
    for (const c of this.#node.getConnections()) if (this.#isNeighbour(c)) seen.set(c.remotePeer.toString(), c.remotePeer);
    return [...seen.values()];
  }

  candidateCount(): number {
    return this.#candidates.size;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#stop = new AbortController();
    this.#node.addEventListener('peer:disconnect', this.#queue);
    this.#node.addEventListener('connection:open', this.#queue);
    this.#timer = setInterval(() => this.tick(), this.#tickMs);
    this.#queue();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#node.removeEventListener('peer:disconnect', this.#queue);
    this.#node.removeEventListener('connection:open', this.#queue);
    this.#stop.abort();
    this.#dialing.clear();
    this.#candidates.clear();
  }

  /** Takes a discovery announcement (ours and undialable addresses are dropped). */
  offer(a: Pick<Announcement, 'peerId' | 'addrs'>): void {
    if (a.peerId === this.#node.peerId.toString()) return;
    const addrs = a.addrs.filter((ma) => this.#canDial(ma));
    if (addrs.length === 0) return;
    const old = this.#candidates.get(a.peerId);
    // Re-inserted so the Map's order is least recently announced first; failures survive re-announcing.
    this.#candidates.delete(a.peerId);
    this.#candidates.set(a.peerId, { addrs, seenAt: this.#now(), failures: old?.failures ?? 0, nextAttemptAt: old?.nextAttemptAt ?? 0 });
    while (this.#candidates.size > this.#maxCandidates) this.#candidates.delete(this.#candidates.keys().next().value!);
    this.#queue();
  }

  /** One round: forget stale candidates, close extra links, dial towards the target. */
  tick(): void {
    if (this.#timer === undefined) return;
    const now = this.#now();
    for (const [id, c] of this.#candidates) if (now - c.seenAt > this.#ttl) this.#candidates.delete(id);
    const links = this.#node.getConnections().filter(this.#isNeighbour);
    const connected = new Set(links.map((c) => c.remotePeer.toString()));
    if (connected.size > this.#max) this.#trim(links, connected.size - this.#max);
    let want = Math.min(this.#target - connected.size - this.#dialing.size, this.#maxDials - this.#dialing.size);
    if (want <= 0) return;
    const ready = [...this.#candidates].filter(([id, c]) => !connected.has(id) && !this.#dialing.has(id) && c.nextAttemptAt <= now);
    while (want-- > 0 && ready.length > 0) {
      const [id, c] = ready.splice(Math.floor(this.#random() * ready.length), 1)[0]!;
      void this.#dial(id, c);
    }
  }

  async #dial(id: string, c: Candidate): Promise<void> {
    this.#dialing.add(id);
    this.attempts++;
    const signal = this.#stop.signal;
    try {
      await this.#node.dial(c.addrs, { signal });
      c.failures = 0;
      c.nextAttemptAt = 0;
    } catch (e) {
      if (signal.aborted) return;
      c.failures++;
      c.nextAttemptAt = this.#now() + Math.min(this.#backoffMin * 2 ** (c.failures - 1), this.#backoffMax);
      this.#onError(e);
    } finally {
      if (!signal.aborted) {
        this.#dialing.delete(id);
        this.#queue();
      }
    }
  }

  // Inbound links are the ones others chose; close the newest of those first, then the newest outbound.
  #trim(links: Connection[], excess: number): void {
    const byPeer = new Map<string, Connection>();
    for (const l of links) byPeer.set(l.remotePeer.toString(), l);
    const order = [...byPeer.values()].sort((a, b) => {
      if (a.direction !== b.direction) return a.direction === 'inbound' ? -1 : 1;
      return b.timeline.open - a.timeline.open;
    });
    for (const conn of order.slice(0, excess)) {
      for (const l of links) if (l.remotePeer.equals(conn.remotePeer)) l.close().catch(this.#onError);
    }
  }

  // Many events can arrive in one tick (a burst of candidates); one round handles them all.
  readonly #queue = (): void => {
    if (this.#queued || this.#timer === undefined) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.tick();
    });
  };
}
