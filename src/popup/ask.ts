// The extension pages' end of the popup channel (src/rpc/popup.ts): one typed request to the
// background over runtime.sendMessage, resolving to the result or throwing the {code, message} error.

import type { PopupOp, PopupRequests } from '../rpc/popup.ts';

interface Runtime {
  sendMessage(message: unknown): Promise<unknown>;
}
const ext = globalThis as unknown as { browser?: { runtime: Runtime }; chrome?: { runtime: Runtime } };
const runtime = (): Runtime => (ext.browser ?? ext.chrome)!.runtime;

export class PopupError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export async function ask<K extends PopupOp>(op: K, params: PopupRequests[K]['params']): Promise<PopupRequests[K]['result']> {
  const r = (await runtime().sendMessage({ channel: 'shh-popup', op, params })) as
    | { result: PopupRequests[K]['result'] }
    | { error: { code: number; message: string } }
    | undefined;
  if (!r) throw new PopupError(-32603, 'no answer from the background');
  if ('error' in r) throw new PopupError(r.error.code, r.error.message);
  return r.result;
}

/** A tiny element builder: text goes in as text, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}
