// Entry of Chrome's offscreen document (reason WEB_RTC): the only Chrome extension context with both
// RTCPeerConnection and a lifetime independent of the service worker. Wires the peer host to the
// worker through a reconnecting Port; nothing else lives here.

import { PEER_PORT, type PeerFrame } from '../rpc/peer.ts';
import { PortLink, type RuntimePort } from './port-link.ts';
import { startPeerHost } from './start-peer-host.ts';

declare const chrome: { runtime: { connect(info: { name: string }): RuntimePort; lastError?: unknown } };

const pending: PeerFrame[] = [];
let link: PortLink | undefined;
const emit = (frame: PeerFrame): void => {
  if (link) link.send(frame);
  else pending.push(frame);
};

const running = await startPeerHost(emit, (e) => console.debug('shh:peer', e));
link = new PortLink({
  connect: () => {
    const port = chrome.runtime.connect({ name: PEER_PORT });
    // Reading lastError marks a refused connection as handled (no console noise); the link retries.
    port.onDisconnect.addListener(() => void chrome.runtime.lastError);
    return port;
  },
  onFrame: (frame, reply) => {
    void running.server.handle(frame).then((r) => r && reply(r));
  },
  hello: () => ({ kind: 'hello', peerId: running.host.status().peerId }),
});
for (const f of pending.splice(0)) link.send(f);
link.start();

// For tests and DevTools (startPeerHost exposes `shhPeer` the same way): extension-private.
Object.assign(globalThis, { shhPeerLink: link });
