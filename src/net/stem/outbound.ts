// Outbound stem streams (`/shh/6/stem/1.0.0`): one long-lived stream per successor, frames written in
// order, each frame a varint length and one envelope's RLP. Opening a stream per envelope would cost a
// multistream round trip per hop, most of a five-hop stem's delay. Invariant: a stream that failed a
// write is dropped, so the next write to that peer opens a fresh one.

import { logger } from '@libp2p/logger';
import type { Libp2p, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { STEM_PROTOCOL } from './settings.ts';

const log = logger('shh:net:stem');

export type OutboundNode = Pick<Libp2p, 'dialProtocol' | 'getConnections'>;

interface Outbound {
  opening: Promise<{ stream: Stream; lp: ReturnType<typeof lpStream> }>;
  /** Frames to one successor go out in order. */
  queue: Promise<void>;
}

export class OutboundStreams {
  readonly #node: OutboundNode;
  readonly #signal: () => AbortSignal;
  readonly #streams = new Map<string, Outbound>();

  /** `signal` gives each open and write its deadline (and the owner's stop). */
  constructor(node: OutboundNode, signal: () => AbortSignal) {
    this.#node = node;
    this.#signal = signal;
  }

  /** Writes one frame to `to` over a direct (not relayed) connection; throws if it could not. */
  async write(to: string, rlp: Uint8Array): Promise<void> {
    let out = this.#streams.get(to);
    if (!out) {
      const conn = this.#node.getConnections().find((c) => c.remotePeer.toString() === to && !c.limits);
      if (!conn) throw new Error('successor not connected');
      // Protocol name and first frame travel together (no wait for the protocol's echo).
      const opening = this.#node
        .dialProtocol(conn.remotePeer, STEM_PROTOCOL, { signal: this.#signal(), negotiateFully: false })
        .then((stream) => ({ stream, lp: lpStream(stream) }));
      out = { opening, queue: Promise.resolve() };
      this.#streams.set(to, out);
    }
    const o = out;
    const write = o.queue.then(async () => {
      const { lp } = await o.opening;
      await lp.write(rlp, { signal: this.#signal() });
    });
    o.queue = write.catch(() => {});
    try {
      await write;
    } catch (err) {
      if (this.#streams.get(to) === o) this.#streams.delete(to);
      void o.opening.then(({ stream }) => stream.abort(err instanceof Error ? err : new Error(String(err)))).catch((e: unknown) => log('a failed stem stream never opened: %e', e));
      throw err;
    }
  }

  /** Forgets a peer's stream (it disconnected). */
  drop(to: string): void {
    this.#streams.delete(to);
  }

  closeAll(): void {
    for (const o of this.#streams.values()) void o.opening.then(({ stream }) => stream.close()).catch((e: unknown) => log('closing a stem stream failed: %e', e));
    this.#streams.clear();
  }
}
