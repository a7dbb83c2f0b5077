// How mix key records travel: `/shh/6/mix-keys/1.0.0`, a request/response sibling of the relay
// records' `/shh/6/relays/1.0.0` (docs/PROTOCOL.md §3.7). The asker opens a stream and closes its
// side; a mix answers with one length-prefixed record list (directory.ts: its own record, freshly
// signed with its libp2p identity, then the verified records it learnt) and closes. The asker
// verifies every record itself, so whoever passes records on need not be trusted. Every node asks
// each peer that speaks the protocol when they connect and again every `refreshMs`; only mixes answer.
// Invariants: an answer is bounded (MAX_LIST_BYTES, read with that cap); a bad list or record is
// reported, never thrown out of the exchange.

import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { MAX_KEY_RECORD_SIZE } from './key-record.ts';
import type { MixDirectory } from './directory.ts';

export const MIX_KEYS_PROTOCOL = '/shh/6/mix-keys/1.0.0';
/** Records in one answer at most: the answering mix's own and the freshest it knows. */
export const MAX_SHARED_RECORDS = 64;
const MAX_LIST_BYTES = 2 + MAX_SHARED_RECORDS * (2 + MAX_KEY_RECORD_SIZE);
const TIMEOUT_MS = 10_000;

export type KeyExchangeNode = Pick<Libp2p, 'handle' | 'unhandle' | 'register' | 'unregister' | 'getConnections'>;

export interface KeyExchangeInit {
  node: KeyExchangeNode;
  directory: MixDirectory;
  /** Our own record list to answer with (own record first); undefined: we are no mix and do not answer. */
  answer?: () => Promise<Uint8Array>;
  /** How often connected peers are asked again (default 60 s; keys rotate hourly by default). */
  refreshMs?: number;
  /** A list was learnt from `from` (how many records were new, and why others were refused). */
  onLearnt?: (from: PeerId, added: number, refused: readonly string[]) => void;
  onError?: (e: unknown) => void;
}

export class MixKeyExchange {
  readonly #init: KeyExchangeInit;
  #topology: string | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stop = new AbortController();
  #started = false;

  constructor(init: KeyExchangeInit) {
    this.#init = init;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stop = new AbortController();
    const node = this.#init.node;
    if (this.#init.answer) {
      await node.handle(MIX_KEYS_PROTOCOL, (stream) => this.#answer(stream), { maxInboundStreams: 2, runOnLimitedConnection: false });
    }
    this.#topology = await node.register(MIX_KEYS_PROTOCOL, { onConnect: (peer, conn) => void this.ask(peer, conn) });
    this.#timer = setInterval(() => void this.refresh(), this.#init.refreshMs ?? 60_000);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stop.abort();
    clearInterval(this.#timer);
    if (this.#topology) this.#init.node.unregister(this.#topology);
    if (this.#init.answer) await this.#init.node.unhandle(MIX_KEYS_PROTOCOL).catch((e: unknown) => this.#init.onError?.(e));
  }

  /** Asks every peer we hold a direct connection to (those that do not speak the protocol refuse it). */
  async refresh(): Promise<void> {
    if (!this.#started) return;
    const seen = new Set<string>();
    const conns = this.#init.node.getConnections().filter((c) => {
      const k = c.remotePeer.toString();
      if (c.limits || seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    await Promise.all(conns.map((c) => this.ask(c.remotePeer, c)));
  }

  /** Asks one peer for its record list and adds what verifies; resolves whatever the answer. */
  async ask(peer: PeerId, conn: Connection): Promise<void> {
    if (!this.#started || conn.limits || conn.status !== 'open') return;
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(TIMEOUT_MS)]);
    let stream: Stream | undefined;
    try {
      stream = await conn.newStream(MIX_KEYS_PROTOCOL, { signal });
      await stream.close({ signal }); // nothing to send: the answer comes back on the read side
      const list = (await lpStream(stream, { maxDataLength: MAX_LIST_BYTES }).read({ signal })).subarray();
      const { added, refused } = await this.#init.directory.addAll(list);
      this.#init.onLearnt?.(peer, added, refused);
    } catch (e) {
      stream?.abort(e instanceof Error ? e : new Error(String(e)));
      // A peer that is no mix (a browser, a relay without the layer) refuses the protocol: not an error.
      if (this.#started && (e as Error | null)?.name !== 'UnsupportedProtocolError') this.#init.onError?.(e);
    }
  }

  async #answer(stream: Stream): Promise<void> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(TIMEOUT_MS)]);
    try {
      const list = await this.#init.answer!();
      await lpStream(stream, { maxDataLength: MAX_LIST_BYTES }).write(list, { signal });
      await stream.close({ signal });
    } catch (e) {
      stream.abort(e instanceof Error ? e : new Error(String(e)));
      if (this.#started) this.#init.onError?.(e);
    }
  }
}
