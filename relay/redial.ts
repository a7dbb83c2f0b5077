// Keeps the relay connected to every --peer (SPEC §5): dials each address, and after a failed dial
// or a disconnect dials again with exponential backoff (1 s doubling to 1 min, reset on success).
// Deterministic delays (no jitter) keep it testable; a relay has few --peer lines, so no thundering herd.

import type { Libp2p, PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';

export interface RedialInit {
  minDelayMs?: number;
  maxDelayMs?: number;
  onError?: (addr: string, error: unknown) => void;
  /** The wait between dials; injected by tests to record delays instead of sleeping. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

type DialNode = Pick<Libp2p, 'dial' | 'addEventListener' | 'removeEventListener'>;

export class Redialer {
  readonly #node: DialNode;
  readonly #addrs: Multiaddr[];
  readonly #min: number;
  readonly #max: number;
  readonly #onError: ((addr: string, error: unknown) => void) | undefined;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  #stop = new AbortController();
  #loops: Promise<void>[] = [];

  /** Throws TypeError naming an address that is not a multiaddr. */
  constructor(node: DialNode, addrs: readonly string[], init: RedialInit = {}) {
    this.#node = node;
    this.#addrs = addrs.map((a) => {
      try {
        return multiaddr(a);
      } catch (e) {
        throw new TypeError(`--peer ${a}: ${(e as Error).message}`);
      }
    });
    this.#min = init.minDelayMs ?? 1000;
    this.#max = init.maxDelayMs ?? 60_000;
    this.#onError = init.onError;
    this.#sleep = init.sleep ?? sleep;
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
  }

  async #keep(addr: Multiaddr, signal: AbortSignal): Promise<void> {
    let delay = this.#min;
    while (!signal.aborted) {
      try {
        const conn = await this.#node.dial(addr, { signal });
        delay = this.#min;
        await this.#disconnected(conn.remotePeer, signal);
      } catch (e) {
        if (signal.aborted) return;
        this.#onError?.(addr.toString(), e);
      }
      await this.#sleep(delay, signal);
      delay = Math.min(delay * 2, this.#max);
    }
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
