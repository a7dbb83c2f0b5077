// Builds the running peer host of a browser profile (ext design): the shared IndexedDB, PoW in one
// Web Worker per core, the build-time relay list; then serves it as a PeerServer. Used by the Chrome
// offscreen document and by Firefox's background page, so both run the same peer.

import { createWebPowPool } from './pow-pool-web.ts';
import { PeerHost } from './peer-host.ts';
import { PeerServer, type PeerServerInit } from './peer-server.ts';
import { DEFAULT_RELAYS } from './default-relays.ts';
import { darkChoice, darkEnabled, MIX_CLIENT_BUILD } from './dark-defaults.ts';
import { openWhisperDb, type SettingsRow } from '../store/db.ts';
import { SettingsRows } from '../store/settings.ts';

export interface RunningPeer {
  host: PeerHost;
  server: PeerServer;
  stop(): Promise<void>;
}

/**
 * Starts the host and a server emitting through `emit`. The server answers even when the host failed
 * to start (each op then fails with -32603), so the background hears about it instead of waiting.
 */
export async function startPeerHost(emit: PeerServerInit['emit'], onError: (e: unknown) => void = () => {}): Promise<RunningPeer> {
  const db = await openWhisperDb();
  // The saved limits apply before the pool loads: with only the defaults, a user's lowered minimum
  // PoW would delete every stored envelope under 0.2 at each start, before the background's configure;
  // and a user who chose relays only must not announce itself or take direct links meanwhile.
  // Dark sending too: its clock starts with the peer, not with the background's first configure.
  const row = await new SettingsRows(db).get().catch((e: unknown): SettingsRow => (onError(e), {}));
  const { minPow, maxSize, relaysOnly } = row;
  const host = new PeerHost({ db, relays: [...DEFAULT_RELAYS], pow: createWebPowPool(), onError, minPow, maxSize, relaysOnly, mix: MIX_CLIENT_BUILD, dark: darkEnabled(darkChoice(row)) });
  const server = new PeerServer(host, { emit });
  server.start();
  try {
    await host.start();
  } catch (e) {
    onError(e);
  }
  const running: RunningPeer = {
    host,
    server,
    async stop() {
      server.stop();
      await host.stop();
      db.close();
    },
  };
  // For tests and DevTools: both hosting contexts (offscreen document, Firefox background page) are
  // extension-private, so no page can reach this.
  Object.assign(globalThis, { shhPeer: running });
  return running;
}
