// Chrome's PeerChannel (src/rpc/peer.ts): the offscreen document, where the libp2p peer lives,
// connects a Port named PEER_PORT to the service worker and says hello; it reconnects whenever the
// worker restarts. The worker creates the document when it is missing. A request waits a bounded time
// for the Port, then for its answer; an unreachable peer is 4900 (docs/PROTOCOL.md §4), never a hang.

import { RPC, RpcError } from '../rpc/errors.ts';
import { peerChannel } from '../rpc/peer-channel.ts';
import { isPeerFrame, PEER_PORT, type PeerChannel, type PeerEventName, type PeerEvents, type PeerOp, type PeerRequests } from '../rpc/peer.ts';
import type { ChromeOnlyApi, Port, RuntimeApi } from './extension-api.ts';
import { createLog } from '../rpc/log.ts';

const log = createLog('shh:bg:peer-port');

export const OFFSCREEN_URL = 'offscreen.html';

export interface PortPeerChannelInit {
  api: { runtime: Pick<RuntimeApi, 'id' | 'getURL'> & Partial<ChromeOnlyApi['runtime']>; offscreen?: ChromeOnlyApi['offscreen'] };
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const unreachable = (why: string): RpcError => new RpcError(RPC.disconnected, `the Whisper peer is unreachable: ${why}`);

export class PortPeerChannel implements PeerChannel {
  readonly #api: PortPeerChannelInit['api'];
  readonly #connectTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  /** Ids, pending answers, timeouts and event listeners: the channel's caller, on whichever Port said hello last. */
  readonly #calls = peerChannel.caller(
    (frame) => {
      if (!this.#port) throw new Error('port closed');
      this.#port.postMessage(frame);
    },
    {
      timeoutMs: (op, params) => (op === 'seal' ? (params as PeerRequests['seal']['params']).timeMs + this.#requestTimeoutMs : this.#requestTimeoutMs),
      unreachable,
    },
  );
  readonly #onConnect = new Set<(peerId: string) => void>();
  readonly #waiters = new Set<() => void>();
  #port: Port | undefined;
  #creating: Promise<void> | undefined;

  constructor(init: PortPeerChannelInit) {
    this.#api = init.api;
    this.#connectTimeoutMs = init.connectTimeoutMs ?? 15_000;
    this.#requestTimeoutMs = init.requestTimeoutMs ?? 30_000;
  }

  get connected(): boolean {
    return this.#port !== undefined;
  }

  /** Called with each runtime.onConnect Port; takes PEER_PORT from our offscreen document only. */
  accept(port: Port): boolean {
    if (port.name !== PEER_PORT) return false;
    const url = port.sender?.url ?? '';
    if (port.sender?.id !== this.#api.runtime.id || !url.startsWith(this.#api.runtime.getURL(OFFSCREEN_URL))) {
      port.disconnect();
      return true;
    }
    port.onMessage.addListener((m) => this.#frame(port, m));
    port.onDisconnect.addListener(() => this.#dropped(port));
    return true;
  }

  /** Listeners run on every hello: the peer (re)connected, so its view must be pulled again. */
  onConnect(listener: (peerId: string) => void): () => void {
    this.#onConnect.add(listener);
    return () => this.#onConnect.delete(listener);
  }

  on<K extends PeerEventName>(event: K, listener: (data: PeerEvents[K]) => void): () => void {
    return this.#calls.on(event, listener);
  }

  async request<K extends PeerOp>(op: K, params: PeerRequests[K]['params']): Promise<PeerRequests[K]['result']> {
    await this.#ready();
    return this.#calls.request(op, params);
  }

  /** Creates the offscreen document unless it exists (Chrome allows one per extension). */
  ensureOffscreen(): Promise<void> {
    const offscreen = this.#api.offscreen;
    if (!offscreen) return Promise.resolve();
    this.#creating ??= (async () => {
      const url = this.#api.runtime.getURL(OFFSCREEN_URL);
      const existing = (await this.#api.runtime.getContexts?.({ contextTypes: ['OFFSCREEN_DOCUMENT'], documentUrls: [url] })) ?? [];
      if (existing.length > 0) return;
      try {
        await offscreen.createDocument({
          url: OFFSCREEN_URL,
          reasons: ['WEB_RTC'],
          justification: 'Runs the Whisper libp2p peer (WebRTC and WebSocket connections to other peers).',
        });
      } catch (e) {
        // A concurrent creation (another wake-up) wins; anything else is reported by the next request.
        if (!/single offscreen|already/i.test(String((e as Error)?.message))) throw e;
      }
    })().finally(() => {
      this.#creating = undefined;
    });
    return this.#creating;
  }

  async #ready(): Promise<Port> {
    if (this.#port) return this.#port;
    const arrived = new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        reject(unreachable('no peer host connected'));
      }, this.#connectTimeoutMs);
      this.#waiters.add(done);
    });
    this.ensureOffscreen().catch(log.catcher('creating the offscreen document'));
    await arrived;
    if (!this.#port) throw unreachable('no peer host connected');
    return this.#port;
  }

  #frame(port: Port, m: unknown): void {
    // The peer host posts the event frames of one turn as one array (src/peer/port-link.ts).
    if (Array.isArray(m)) {
      for (const f of m) if (!Array.isArray(f)) this.#frame(port, f);
      return;
    }
    if (!isPeerFrame(m)) return;
    switch (m.kind) {
      case 'hello':
        if (this.#port && this.#port !== port) this.#failAll('peer host replaced');
        this.#port = port;
        for (const w of [...this.#waiters]) w();
        for (const l of this.#onConnect) l(m.peerId);
        return;
      case 'response':
      case 'event':
        if (port === this.#port) this.#calls.receive(m);
        return;
      case 'request':
        port.postMessage({ kind: 'response', id: m.id, error: { code: RPC.unsupportedMethod, message: 'the background serves no peer requests' } });
        return;
      case 'keepalive':
        return;
    }
  }

  #dropped(port: Port): void {
    if (port !== this.#port) return;
    this.#port = undefined;
    this.#failAll('peer host disconnected');
  }

  #failAll(why: string): void {
    this.#calls.failAll(why);
  }
}
