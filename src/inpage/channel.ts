// The MAIN-world end of the page channel (docs/PROTOCOL.md §4): the content script hands over one private
// MessageChannel port with window.postMessage({type: PORT_HANDOVER}); the first handover from this
// window wins and is hidden from page listeners. Later ones (page forgeries) are ignored. Frames sent
// before the port arrives are queued; if none arrives in time the extension is unreachable (4900).
// It carries the page channel's frames (src/rpc/page-channel.ts) but not its generic code: in the MAIN
// world only built-ins captured before any page script ran are used (./intrinsics.ts, src/rpc/page.ts).

import { PORT_HANDOVER, type PageRequest } from '../rpc/page.ts';
import { I, record } from './intrinsics.ts';

export interface ChannelInit {
  onFrame: (frame: unknown) => void;
  /** No port arrived within `handoverTimeoutMs` of a queued frame: called for each dropped frame. */
  onDropped: (frame: PageRequest) => void;
  handoverTimeoutMs?: number;
}

export interface Channel {
  send(frame: PageRequest): void;
}

const isHandover = (data: unknown): boolean =>
  typeof data === 'object' && data !== null && (data as { type?: unknown }).type === PORT_HANDOVER;

export function createChannel(init: ChannelInit): Channel {
  const timeoutMs = init.handoverTimeoutMs ?? 2000;
  let port: MessagePort | undefined;
  const queue = record<PageRequest>();
  let head = 0;
  let tail = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const post = (p: MessagePort, frame: PageRequest): void => {
    I.call(I.portPostMessage, p, frame);
  };

  const giveUp = (): void => {
    timer = undefined;
    for (; head < tail; head++) {
      const frame = queue[head] as PageRequest;
      delete queue[head];
      init.onDropped(frame);
    }
  };

  const accept = (p: MessagePort): void => {
    port = p;
    if (timer !== undefined) I.clearTimeout(timer);
    timer = undefined;
    I.call(I.addEventListener, p, 'message', (ev: MessageEvent) => init.onFrame(I.call(I.messageData, ev)));
    I.call(I.portStart, p);
    for (; head < tail; head++) {
      post(p, queue[head] as PageRequest);
      delete queue[head];
    }
  };

  I.call(
    I.addEventListener,
    I.window,
    'message',
    (ev: MessageEvent) => {
      if (!isHandover(I.call(I.messageData, ev)) || I.call(I.messageSource, ev) !== I.window) return;
      if (port) return; // first one wins: later handovers come from page script
      const ports = I.call<readonly MessagePort[]>(I.messagePorts, ev);
      const p = ports[0];
      if (!p) return;
      I.call(I.stopImmediatePropagation, ev);
      accept(p);
    },
    true,
  );

  return {
    send(frame) {
      if (port) return post(port, frame);
      queue[tail++] = frame;
      if (timer === undefined) timer = I.setTimeout(giveUp, timeoutMs);
    },
  };
}
