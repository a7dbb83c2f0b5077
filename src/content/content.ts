// Entry of the isolated-world content script (docs/PROTOCOL.md §4), run at document_start in every frame: makes
// the private MessageChannel, hands one port to the MAIN world with a single window.postMessage to
// this window only, and bridges the other to the background. It never listens to window messages,
// so nothing a page posts is ever forwarded.

import { PAGE_PORT, PORT_HANDOVER } from '../rpc/page.ts';
import { startBridge, type RuntimePort } from './bridge.ts';

interface Runtime {
  id?: string;
  lastError?: unknown;
  connect(info: { name: string }): RuntimePort;
}

const g = globalThis as unknown as { chrome?: { runtime?: Runtime }; browser?: { runtime?: Runtime } };
const runtime = g.browser?.runtime ?? g.chrome?.runtime;

const sessionId = (): string => {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
};

const channel = new MessageChannel();
startBridge({
  page: channel.port1,
  session: sessionId(),
  connect() {
    // runtime.id disappears when the extension is reloaded or removed under a live page.
    if (!runtime?.id) throw new Error('extension context invalidated');
    const port = runtime.connect({ name: PAGE_PORT });
    port.onDisconnect.addListener(() => void runtime.lastError); // read it so Chrome does not log it
    return port;
  },
});
// Opaque origins ('null') cannot be named as a target; the message still goes to this window only.
const target = location.origin === 'null' ? '*' : location.origin;
window.postMessage({ type: PORT_HANDOVER }, target, [channel.port2]);
