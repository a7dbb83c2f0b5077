// Firefox MV2 persistent background page entry: the background and the peer host run in this one page
// (an event page would be suspended and the peer with it), joined by the in-process PeerChannel.
// Only wiring. Listeners are added at once; requests wait inside the channel until the peer is up.
// The API is webextension-polyfill's `browser`: here Firefox's own `browser`, passed through as is.

import browser from 'webextension-polyfill';
import type { PeerChannel, PeerEventName, PeerEvents } from '../rpc/peer.ts';
import { createInProcessPeerChannel } from '../peer/in-process-channel.ts';
import { startBackground } from './background.ts';

const peer = createInProcessPeerChannel((e) => console.debug('shh:peer', e));

const channel: PeerChannel = {
  async request(op, params) {
    return (await peer).channel.request(op, params);
  },
  on<K extends PeerEventName>(event: K, listener: (data: PeerEvents[K]) => void) {
    let off: (() => void) | undefined;
    let cancelled = false;
    void peer.then((p) => {
      if (!cancelled) off = p.channel.on(event, listener);
    });
    return () => {
      cancelled = true;
      off?.();
    };
  },
};

const background = startBackground({ api: browser, channel });
// Read-only diagnostics on the background page's global (no web page can reach it).
Object.defineProperty(globalThis, 'whisper', { value: Object.freeze({ secp256k1: background.secp256k1 }) });
void peer.then(() => background.peerConnected()).catch((e) => console.debug('shh:bg', e));
