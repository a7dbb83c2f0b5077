// Keeps a peer connected to a list of addresses (the browser to its relays, a relay to its --peer
// lines): dials each, and after a failed dial or a disconnect dials again with exponential backoff
// (1 s doubling to 30 s by default, reset on success), except that for a minute after a connection
// that was up dropped the wait stays at most 2 s: a restarted relay is found again within seconds
// (within 5 s). Reports each address's state for status views. Deterministic delays (no jitter).

import type { Libp2p, PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';

export interface RedialInit {
  minDelayMs?: number;
  maxDelayMs?: number;
  onChange?: () => void;
  onError?: (addr: string, error: unknown) => void;
  /**
   * After a connection that was up drops, for `recentWindowMs` (default 60 s) the wait between dials
   * is at most `recentMaxDelayMs` (default 2 s, kept within minDelayMs..maxDelayMs): a peer that was
   * just there is most likely restarting. Not less in browsers: Chromium delays each new WebSocket
   * by up to 5 s once a process has many failed ones (WebSocketPerProcessThrottler: 1-5 s times
   * 2^(failed / (succeeded + 1)) / 65536), so dialling every second made the reconnection slower
   * (4.1-4.5 s against 1.5 s). Node has no such throttle: the relay uses 1 s.
   */
  recentWindowMs?: number;
  recentMaxDelayMs?: number;
  /** Names the addresses in errors (e.g. '--peer' for the relay's flag); default 'relay'. */
  label?: string;
  /** The wait between dials; injected by tests to record delays instead of sleeping. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Clock in ms for the recent window; defaults to Date.now. */
  now?: () => number;
}

type DialNode = Pick<Libp2p, 'dial' | 'addEventListener' | 'removeEventListener'>;

/** Parses addresses; throws TypeError naming (with `label`) the first that is not a multiaddr. */
export function parseAddrs(addrs: readonly string[], label = 'relay'): Multiaddr[] {
  return addrs.map((a) => {
    try {
      return multiaddr(a);
    } catch (e) {
      throw new TypeError(`${label} ${a}: ${(e as Error).message}`);
    }
  });
}

export const parseRelays = (addrs: readonly string[]): Multiaddr[] => parseAddrs(addrs, 'relay');

export class Redialer {
  readonly #node: DialNode;
  readonly #addrs: Multiaddr[];
  readonly #min: number;
  readonly #max: number;
  readonly #recentWindow: number;
  readonly #recentMax: number;
  readonly #now: () => number;
  readonly #init: RedialInit;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #connected = new Map<string, PeerId | undefined>();
  #stop = new AbortController();
  #loops: Promise<void>[] = [];

  constructor(node: DialNode, addrs: readonly string[], init: RedialInit = {}) {
    this.#node = node;
    this.#addrs = parseAddrs(addrs, init.label);
    this.#min = init.minDelayMs ?? 1000;
    this.#max = init.maxDelayMs ?? 30_000;
    this.#recentWindow = init.recentWindowMs ?? 60_000;
    this.#recentMax = Math.min(this.#max, Math.max(this.#min, init.recentMaxDelayMs ?? 2000));
    this.#now = init.now ?? Date.now;
    this.#init = init;
    this.#sleep = init.sleep ?? sleep;
  }

  /** Each configured address (as given) and whether a connection to it is up. */
  state(): { addr: string; connected: boolean }[] {
    return this.#addrs.map((a) => ({ addr: a.toString(), connected: this.#connected.get(a.toString()) !== undefined }));
  }

  start(): void {
    if (this.#loops.length) return;
    this.#stop = new AbortController();
    this.#loops = this.#addrs.map((a) => this.#keep(a, this.#stop.signal));
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.allSettled(this.#loops);
    this.#loops = [];
    this.#connected.clear();
  }

  async #keep(addr: Multiaddr, signal: AbortSignal): Promise<void> {
    const key = addr.toString();
    let delay = this.#min;
    let droppedAt: number | undefined; // when a connection that was up last dropped
    while (!signal.aborted) {
      try {
        const conn = await this.#node.dial(addr, { signal });
        delay = this.#min;
        this.#set(key, conn.remotePeer);
        await this.#disconnected(conn.remotePeer, signal);
        droppedAt = this.#now();
        this.#set(key, undefined);
      } catch (e) {
        if (signal.aborted) return;
        this.#init.onError?.(key, e);
      }
      await this.#sleep(delay, signal);
      const recent = droppedAt !== undefined && this.#now() - droppedAt < this.#recentWindow;
      delay = Math.min(delay * 2, recent ? this.#recentMax : this.#max);
    }
  }

  #set(key: string, peer: PeerId | undefined): void {
    this.#connected.set(key, peer);
    this.#init.onChange?.();
  }

  #disconnected(peer: PeerId, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#node.removeEventListener('peer:disconnect', onDisconnect);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onDisconnect = (evt: CustomEvent<PeerId>): void => {
        if (evt.detail.equals(peer)) done();
      };
      this.#node.addEventListener('peer:disconnect', onDisconnect);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
