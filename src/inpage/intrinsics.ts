// Built-ins the MAIN-world provider (docs/PROTOCOL.md §4) uses, captured once while the inpage script runs at
// document_start, before any page script. A page that later replaces `Promise`, `JSON`,
// `MessagePort.prototype.postMessage`, getters on `MessageEvent.prototype` or `Object.freeze` changes
// nothing here. Invariant: provider code calls prototype methods only through `call` below, keeps
// its records in null-prototype objects and walks arrays by index (never for-of, push or spread).

const R = Reflect;
const O = Object;
const getter = (proto: object, name: string): ((this: unknown) => unknown) => {
  const d = O.getOwnPropertyDescriptor(proto, name);
  if (!d?.get) throw new TypeError(`no getter ${name}`);
  return d.get;
};

const apply = R.apply;

export const I = O.freeze({
  call: <T>(fn: (...a: never[]) => unknown, self: unknown, ...args: unknown[]): T => apply(fn, self, args) as T,
  ownKeys: R.ownKeys,
  defineProperty: O.defineProperty,
  freeze: O.freeze,
  create: O.create,
  hasOwn: O.hasOwn,
  isArray: Array.isArray,
  stringify: JSON.stringify,
  parse: JSON.parse,
  Promise: Promise,
  Error: Error,
  TypeError: TypeError,
  Uint8Array: Uint8Array,
  CustomEvent: CustomEvent,
  setTimeout: setTimeout.bind(globalThis),
  clearTimeout: clearTimeout.bind(globalThis),
  queueMicrotask: queueMicrotask.bind(globalThis),
  crypto: globalThis.crypto,
  getRandomValues: Crypto.prototype.getRandomValues as (...a: never[]) => unknown,
  window: globalThis as unknown as Window,
  addEventListener: EventTarget.prototype.addEventListener as (...a: never[]) => unknown,
  dispatchEvent: EventTarget.prototype.dispatchEvent as (...a: never[]) => unknown,
  stopImmediatePropagation: Event.prototype.stopImmediatePropagation as (...a: never[]) => unknown,
  portPostMessage: MessagePort.prototype.postMessage as (...a: never[]) => unknown,
  portStart: MessagePort.prototype.start as (...a: never[]) => unknown,
  messageData: getter(MessageEvent.prototype, 'data'),
  messageSource: getter(MessageEvent.prototype, 'source'),
  messagePorts: getter(MessageEvent.prototype, 'ports'),
});

/** A record with no prototype: property reads and writes cannot reach page-defined accessors. */
export const record = <T>(): Record<string | number, T> => I.create(null) as Record<string | number, T>;

/** Writes an array slot without consulting (page-replaceable) setters up the prototype chain. */
export const put = (arr: unknown[], i: number, value: unknown): void => {
  I.defineProperty(arr, i, { value, enumerable: true, writable: true, configurable: true });
};

/** Hands an exception from a page callback to the page's error reporting without unwinding ours. */
export const rethrowLater = (e: unknown): void => {
  I.setTimeout(() => {
    throw e;
  }, 0);
};
