// Chrome MV3 service worker entry: the background over a PortPeerChannel to the offscreen document
// that hosts the libp2p peer (created here if absent). Only wiring; listeners are added synchronously.

import { startBackground } from './background.ts';
import type { ExtensionApi } from './extension-api.ts';
import { PortPeerChannel } from './peer-port.ts';

declare const chrome: ExtensionApi;

const channel = new PortPeerChannel({ api: chrome });
chrome.runtime.onConnect.addListener((port) => void channel.accept(port));
const background = startBackground({ api: chrome, channel });
// Each hello is a (re)connected peer host: pull its status and any envelopes this worker has not seen.
channel.onConnect(() => void background.node.resync().catch(() => undefined));
void channel.ensureOffscreen().catch(() => undefined);
