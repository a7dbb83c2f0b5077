// Outbound mix streams (`/shh/6/mix/1.0.0`): one long-lived stream per next hop, frames written in
// order, each a varint length and one FRAME_SIZE frame. A stream per frame would cost a protocol
// round trip per hop and mark each frame's start on the wire. Invariant: a stream that failed a
// write is dropped, so the next write to that peer opens a fresh one (dialling if need be).

import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { FRAME_SIZE } from '../../core/mix/constants.ts';
import { MIX_PROTOCOL } from './settings.ts';

export type MixOutboundNode = Pick<Libp2p, 'dialProtocol'>;

interface Outbound {
  opening: Promise<{ stream: Stream; lp: ReturnType<typeof lpStream> }>;
  queue: Promise<void>;
}

export class MixOutbound {
  readonly #node: MixOutboundNode;
  readonly #signal: () => AbortSignal;
  readonly #streams = new Map<string, Outbound>();
  readonly #onError: (e: unknown) => void;

  /** `signal` gives each open and write its deadline (and the owner's stop); `onError` hears closing failures. */
  constructor(node: MixOutboundNode, signal: () => AbortSignal, onError: (e: unknown) => void = () => undefined) {
    this.#node = node;
    this.#signal = signal;
    this.#onError = onError;
  }

  /** Writes one frame to `to`; throws if it could not. */
  async write(to: PeerId, frame: Uint8Array): Promise<void> {
    if (frame.length !== FRAME_SIZE) throw new RangeError(`a mix frame is ${FRAME_SIZE} bytes`);
    const key = to.toString();
    let out = this.#streams.get(key);
    if (!out) {
      const opening = this.#node
        .dialProtocol(to, MIX_PROTOCOL, { signal: this.#signal(), negotiateFully: false })
        .then((stream) => ({ stream, lp: lpStream(stream, { maxDataLength: FRAME_SIZE }) }));
      out = { opening, queue: Promise.resolve() };
      this.#streams.set(key, out);
    }
    const o = out;
    const write = o.queue.then(async () => {
      const { lp } = await o.opening;
      await lp.write(frame, { signal: this.#signal() });
    });
    o.queue = write.catch(() => {}); // the failure is thrown to this write's caller below
    try {
      await write;
    } catch (err) {
      if (this.#streams.get(key) === o) this.#streams.delete(key);
      // If the stream never opened, that failure is `err` itself, already thrown to the caller.
      void o.opening.then(({ stream }) => stream.abort(err instanceof Error ? err : new Error(String(err))), () => undefined);
      throw err;
    }
  }

  closeAll(): void {
    for (const o of this.#streams.values()) void o.opening.then(({ stream }) => stream.close()).catch(this.#onError);
    this.#streams.clear();
  }
}
