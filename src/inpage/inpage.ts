// Entry of the MAIN-world script (docs/PROTOCOL.md §4), injected at document_start before page scripts: wires the
// private channel to the provider, defines a frozen, non-writable, non-configurable `window.shh`,
// and announces it. Imports intrinsics first so every built-in is captured before anything else runs.

import { I } from './intrinsics.ts';
import { createChannel } from './channel.ts';
import { createProvider } from './provider.ts';
import { announceProvider } from './discovery.ts';
import type { PageRequest } from '../rpc/page.ts';

// A second copy in the same world (the extension injected twice) leaves the first provider, which
// owns the port, in place.
if (!I.hasOwn(I.window, 'shh')) {
  let channel: { send(frame: PageRequest): void } | undefined;
  const parts = createProvider((frame) => channel?.send(frame));
  channel = createChannel({ onFrame: parts.onFrame, onDropped: parts.onDropped });
  I.defineProperty(I.window, 'shh', { value: parts.provider, writable: false, configurable: false, enumerable: true });
  announceProvider(parts.provider);
}
