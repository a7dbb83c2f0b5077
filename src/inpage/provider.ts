// The `window.shh` object (docs/PROTOCOL.md §4): EIP-1193 `request`, web3.js 1.x `send` / `sendAsync` with full
// JSON-RPC responses, and events. Invariants: arguments are checked here and bad ones never cross to
// the extension; params cross as JSON data only (getters and toJSON run once, here); every method
// works unbound; callbacks and promise settlements are always asynchronous; the object is frozen.
// The frames are the page channel's (src/rpc/page-channel.ts), built and read here with captured
// intrinsics rather than its generic caller, which a page could subvert through the prototypes it uses.

import { MAX_METHOD_LENGTH, MAX_PAGE_REQUEST_BYTES, type PageRequest } from '../rpc/page.ts';
import { createEmitter } from './emitter.ts';
import { I, put, record, rethrowLater } from './intrinsics.ts';
import { CODE, errorMember, providerError, disconnected, type ErrorShape } from './provider-error.ts';

type Done = (err: ErrorShape | undefined, result?: unknown) => void;
type Listener = (...args: unknown[]) => void;
type JsonRpcId = number | string | null;
type JsonRpcResponse = { jsonrpc: '2.0'; id: JsonRpcId; result: unknown } | { jsonrpc: '2.0'; id: JsonRpcId; error: ErrorShape };

export interface ShhProvider {
  readonly isWhisper: true;
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  send(methodOrPayload: unknown, paramsOrCallback?: unknown): Promise<unknown> | undefined;
  sendAsync(payload: unknown, callback: (error: Error | null, response?: unknown) => void): void;
  on(event: string, listener: Listener): ShhProvider;
  once(event: string, listener: Listener): ShhProvider;
  removeListener(event: string, listener: Listener): ShhProvider;
}

export interface ProviderParts {
  provider: ShhProvider;
  /** A frame from the content script: a response or an event. */
  onFrame(frame: unknown): void;
  /** A request that could not be delivered: answer it with 4900. */
  onDropped(frame: PageRequest): void;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !I.isArray(x);

export function createProvider(sendFrame: (frame: PageRequest) => void): ProviderParts {
  const emitter = createEmitter();
  const pending = record<Done>();
  let nextId = 1;

  const later = (done: Done, err: ErrorShape): void => I.queueMicrotask(() => done(err));

  /** One request: validated, normalised to JSON data, then sent; `done` is called exactly once. */
  const call = (args: unknown, done: Done): void => {
    if (!isRecord(args)) return later(done, { code: CODE.invalidRequest, message: 'Invalid request: expected an object {method, params}' });
    const method = args.method;
    const params = args.params;
    if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH)
      return later(done, { code: CODE.invalidRequest, message: 'Invalid request: method must be a non-empty string' });
    if (params !== undefined && (typeof params !== 'object' || params === null))
      return later(done, { code: CODE.invalidParams, message: 'Invalid params: params must be an array or an object' });
    let json: string | undefined;
    try {
      json = params === undefined ? undefined : I.stringify(params);
    } catch {
      return later(done, { code: CODE.invalidParams, message: 'Invalid params: params must be JSON data' });
    }
    if (json !== undefined && json.length > MAX_PAGE_REQUEST_BYTES)
      return later(done, { code: CODE.invalidRequest, message: 'Invalid request: too large' });
    const id = nextId++;
    pending[id] = done;
    sendFrame(json === undefined ? { kind: 'request', id, method } : { kind: 'request', id, method, params: I.parse(json) });
  };

  const settle = (id: unknown, err: ErrorShape | undefined, result?: unknown): void => {
    if (typeof id !== 'number') return;
    const done = pending[id];
    if (!done) return;
    delete pending[id];
    done(err, result);
  };

  const onFrame = (frame: unknown): void => {
    if (!isRecord(frame)) return;
    if (frame.kind === 'response') {
      const error = I.hasOwn(frame, 'error') ? frame.error : undefined;
      if (isRecord(error) && typeof error.code === 'number' && typeof error.message === 'string')
        return settle(frame.id, error as unknown as ErrorShape);
      return settle(frame.id, undefined, frame.result);
    }
    if (frame.kind !== 'event' || typeof frame.event !== 'string') return;
    if (frame.event === 'shh_subscription') {
      const d = isRecord(frame.data) ? frame.data : {};
      const payload = { subscription: d.subscription, result: d.result };
      // On a later task: web3.js learns a subscription's id in a callback that the usual `process`
      // polyfills defer with setTimeout(0) after the shh_subscribe response; a notification right
      // behind that response must not overtake it (timers of equal delay run in order).
      I.setTimeout(() => {
        emitter.emit('message', { type: 'eth_subscription', data: payload });
        emitter.emit('data', { jsonrpc: '2.0', method: 'shh_subscription', params: { subscription: d.subscription, result: d.result } });
      }, 0);
      return;
    }
    // Beyond geth (docs/API.md): a post that named a postId reports its proof of work.
    if (frame.event === 'shh_postProgress') return void emitter.emit('postProgress', frame.data);
    emitter.emit(frame.event, frame.data);
  };

  const request = (args: { method: string; params?: unknown }): Promise<unknown> =>
    new I.Promise((resolve, reject) => call(args, (err, result) => (err ? reject(providerError(err)) : resolve(result))));

  const one = (item: unknown, done: (r: JsonRpcResponse) => void): void => {
    const raw = isRecord(item) ? item.id : null;
    const id: JsonRpcId = typeof raw === 'number' || typeof raw === 'string' ? raw : null;
    if (!isRecord(item)) return done({ jsonrpc: '2.0', id, error: { code: CODE.invalidRequest, message: 'Invalid request' } });
    call({ method: item.method, params: item.params }, (err, result) =>
      done(err ? { jsonrpc: '2.0', id, error: errorMember(err) } : { jsonrpc: '2.0', id, result }),
    );
  };

  /** A JSON-RPC payload or batch; `done` gets the response or the array of responses, in order. */
  const payload = (p: unknown, done: (r: JsonRpcResponse | JsonRpcResponse[]) => void): void => {
    if (!I.isArray(p)) return one(p, done);
    const n = p.length;
    if (n === 0) return one(undefined, done);
    const out: JsonRpcResponse[] = [];
    let left = n;
    for (let i = 0; i < n; i++)
      one(p[i], (r) => {
        put(out, i, r);
        if (--left === 0) done(out);
      });
  };

  const invoke = (cb: (error: Error | null, response?: unknown) => void, response: unknown): void => {
    try {
      cb(null, response);
    } catch (e) {
      rethrowLater(e);
    }
  };

  const sendAsync = (p: unknown, cb: (error: Error | null, response?: unknown) => void): void => {
    if (typeof cb !== 'function') throw new I.TypeError('sendAsync(payload, callback): callback must be a function');
    payload(p, (r) => invoke(cb, r));
  };

  const send = (a: unknown, b?: unknown): Promise<unknown> | undefined => {
    if (typeof a === 'string') return request({ method: a, params: b });
    if (typeof b === 'function') {
      sendAsync(a, b as (error: Error | null, response?: unknown) => void);
      return undefined;
    }
    return new I.Promise((resolve) => payload(a, resolve));
  };

  const provider: ShhProvider = I.freeze({
    isWhisper: true as const,
    request: I.freeze(request),
    send: I.freeze(send),
    sendAsync: I.freeze(sendAsync),
    on: I.freeze((event: string, fn: Listener) => (emitter.on(event, fn), provider)),
    once: I.freeze((event: string, fn: Listener) => (emitter.once(event, fn), provider)),
    removeListener: I.freeze((event: string, fn: Listener) => (emitter.removeListener(event, fn), provider)),
  });

  return { provider, onFrame, onDropped: (frame) => settle(frame.id, disconnected()) };
}
