// Chrome MV3 service worker entry: the background over a PortPeerChannel to the offscreen document
// that hosts the libp2p peer (created here if absent). Only wiring; listeners are added synchronously.
// The API is webextension-polyfill's `browser` (it wraps `chrome` in a service worker since 0.10):
// the same promise-based object the Firefox entry passes in.

import browser from 'webextension-polyfill';
import { startBackground } from './background.ts';
import type { ChromeOnlyApi } from './extension-api.ts';
import { PortPeerChannel } from './peer-port.ts';
import { secp256k1Backend } from '../core/secp256k1.ts';
import { createLog, enableLogs } from '../rpc/log.ts';

const log = createLog('shh:bg');

// Chrome-only members the published types lack; the polyfill passes them through to `chrome` unchanged.
const api = browser as typeof browser & ChromeOnlyApi;

const channel = new PortPeerChannel({ api });
api.runtime.onConnect.addListener((port) => void channel.accept(port));
const background = startBackground({ api, channel });
// Read-only diagnostics on the worker's global (no page can reach it): what tests and bug reports ask;
// `whisper.enableLogs('shh:*')` in the worker's console turns its loggers on (it has no localStorage).
Object.defineProperty(globalThis, 'whisper', { value: Object.freeze({ secp256k1: background.secp256k1, secp256k1Source: secp256k1Backend().source, enableLogs }) });
// Each hello is a (re)connected peer host: give it the saved settings, then pull its status and any envelopes this worker has not seen.
channel.onConnect(() => void background.peerConnected().catch(log.catcher('a peer host said hello')));
void channel.ensureOffscreen().catch(log.catcher('creating the offscreen document'));
