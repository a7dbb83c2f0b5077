// One typed request/response/event primitive over a message Port. A channel is defined once, by its
// map (each request's params and result, each event's data) and the guards of everything that arrives
// as `unknown`; both ends take from it what they need: `serve(handlers)` on the answering side, a
// `caller(post)` on the asking side. Invariants: nothing reaches a handler or a listener before its
// frame and its params (or event data) pass the channel's guards; a handler table missing an op, or a
// guard table missing an op or event, fails to compile; errors cross as {code, message} only
// (src/rpc/errors.ts); every request is answered once, or fails with the channel's `unreachable`.
// Transport matters (which Port, hello, keepalive, reconnecting) stay with the transport.

import { RPC, RpcError, toRpcError, type RpcErrorShape } from './errors.ts';
import { isErrorShape, isObject, isSafeId } from './guards.ts';

/**
 * A channel's map is two types: its requests (each op's params and result) and its events (each
 * event's data). `Requests<R>` is what every request map satisfies.
 */
export type Requests<R> = { [K in keyof R]: { params: object; result: unknown } };

export type OpOf<R> = keyof R & string;
export type EventOf<E> = keyof E & string;
type P<R extends Requests<R>, K extends keyof R> = R[K]['params'];
type Res<R extends Requests<R>, K extends keyof R> = R[K]['result'];

export type RequestFrame<R> = { kind: 'request'; id: number; op: OpOf<R>; params: unknown };
export type ResponseFrame = { kind: 'response'; id: number; result?: unknown; error?: RpcErrorShape };
export type EventFrame<E> = { kind: 'event'; event: EventOf<E>; data: unknown };

/** One handler per op, typed by the map: leaving one out does not compile. */
export type Handlers<R extends Requests<R>> = { [K in OpOf<R>]: (params: P<R, K>) => Promise<Res<R, K>> };

export interface ChannelSpec<R extends Requests<R>, E> {
  /** Names the channel in error messages ("invalid peer frame"). */
  name: string;
  requests: { [K in OpOf<R>]: (p: unknown) => p is P<R, K> };
  events: { [K in EventOf<E>]: (d: unknown) => d is E[K] };
}

export interface ServeOptions {
  /** Runs every handler, after its params passed the guard (e.g. a lock check before, a timer touch after). */
  around?: (op: string, run: () => Promise<unknown>) => Promise<unknown>;
  /** The code of an op this channel does not have (default -32601). */
  unknownOpCode?: number;
  /** Turns what a handler threw into what crosses (before toRpcError); e.g. a codec's TypeError into a ParamError. */
  mapError?: (e: unknown) => unknown;
  /** Sees each unexpected error that crosses as -32603 without its message. */
  onInternal?: (e: unknown) => void;
}

export interface Server<R extends Requests<R>> {
  /** Checks `params` with the op's guard, then runs its handler; throws an RpcError (in-process callers). */
  request<K extends OpOf<R>>(op: K, params: unknown): Promise<Res<R, K>>;
  /**
   * One frame from the other end: a request resolves to its response frame (an unusable one with an id
   * to -32600); anything else resolves to undefined, for the transport to deal with.
   */
  handle(frame: unknown): Promise<ResponseFrame | undefined>;
}

export interface CallerOptions<R> {
  /** How long a request may wait for its answer. */
  timeoutMs: (op: OpOf<R>, params: unknown) => number;
  /** The error a request fails with when it cannot be answered (no Port, timeout, Port dropped). */
  unreachable: (why: string) => Error;
}

export interface Caller<R extends Requests<R>, E> {
  request<K extends OpOf<R>>(op: K, params: P<R, K>): Promise<Res<R, K>>;
  on<K extends EventOf<E>>(event: K, listener: (data: E[K]) => void): () => void;
  /** One frame from the other end: true when it was a response or event of this channel (then handled). */
  receive(frame: unknown): boolean;
  /** Fails every pending request (the Port dropped or was replaced). */
  failAll(why: string): void;
}

export interface Channel<R extends Requests<R>, E> {
  readonly name: string;
  serve(handlers: Handlers<R>, o?: ServeOptions): Server<R>;
  /** `post` sends a frame on the current Port; it throws when there is none (the request then fails). */
  caller(post: (frame: RequestFrame<R>) => void, o: CallerOptions<R>): Caller<R, E>;
  event<K extends EventOf<E>>(event: K, data: E[K]): EventFrame<E>;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function defineChannel<R extends Requests<R>, E>(spec: ChannelSpec<R, E>): Channel<R, E> {
  const isOp = (op: unknown): op is OpOf<R> => typeof op === 'string' && Object.hasOwn(spec.requests, op);
  const isEvent = (e: unknown): e is EventOf<E> => typeof e === 'string' && Object.hasOwn(spec.events, e);

  const serve = (handlers: Handlers<R>, o: ServeOptions = {}): Server<R> => {
    const request = async <K extends OpOf<R>>(op: K, params: unknown): Promise<Res<R, K>> => {
      if (!isOp(op)) throw new RpcError(o.unknownOpCode ?? RPC.methodNotFound, `unknown op ${String(op)}`);
      if (!spec.requests[op](params)) throw new RpcError(RPC.invalidParams, `invalid params for ${op}`);
      try {
        const run = (): Promise<Res<R, K>> => handlers[op](params);
        return o.around ? ((await o.around(op, run)) as Res<R, K>) : await run();
      } catch (e) {
        throw o.mapError ? o.mapError(e) : e;
      }
    };
    const handle = async (frame: unknown): Promise<ResponseFrame | undefined> => {
      if (!isObject(frame) || frame.kind !== 'request') return undefined;
      if (!isSafeId(frame.id)) return undefined;
      const id = frame.id;
      if (!isOp(frame.op) || !isObject(frame.params)) return { kind: 'response', id, error: { code: RPC.invalidRequest, message: `invalid ${spec.name} frame` } };
      try {
        return { kind: 'response', id, result: await request(frame.op, frame.params) };
      } catch (e) {
        const err = toRpcError(e, o.onInternal);
        return { kind: 'response', id, error: { code: err.code, message: err.message } };
      }
    };
    return { request, handle };
  };

  const caller = (post: (frame: RequestFrame<R>) => void, o: CallerOptions<R>): Caller<R, E> => {
    const pending = new Map<number, Pending>();
    const listeners = new Map<string, Set<(d: never) => void>>();
    let nextId = 1;
    const settle = (id: number): Pending | undefined => {
      const p = pending.get(id);
      if (!p) return undefined;
      pending.delete(id);
      clearTimeout(p.timer);
      return p;
    };
    return {
      request<K extends OpOf<R>>(op: K, params: P<R, K>): Promise<Res<R, K>> {
        const id = nextId++;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => settle(id)?.reject(o.unreachable(`no answer to ${op}`)), o.timeoutMs(op, params));
          pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
          try {
            post({ kind: 'request', id, op, params });
          } catch {
            settle(id)?.reject(o.unreachable('port closed')); // the Port's own text says no more
          }
        });
      },
      on<K extends EventOf<E>>(event: K, listener: (data: E[K]) => void): () => void {
        let set = listeners.get(event);
        if (!set) listeners.set(event, (set = new Set()));
        set.add(listener as (d: never) => void);
        return () => void set.delete(listener as (d: never) => void);
      },
      receive(frame: unknown): boolean {
        if (!isObject(frame)) return false;
        if (frame.kind === 'response' && isSafeId(frame.id)) {
          const p = settle(frame.id);
          if (!p) return true; // answered after its timeout: nobody waits any more
          if (frame.error !== undefined) p.reject(isErrorShape(frame.error) ? new RpcError(frame.error.code, frame.error.message) : new RpcError(RPC.internal, `${spec.name} error`));
          else p.resolve(frame.result);
          return true;
        }
        if (frame.kind === 'event' && isEvent(frame.event)) {
          if (!spec.events[frame.event](frame.data)) return true; // malformed data: dropped, never half-delivered
          for (const l of listeners.get(frame.event) ?? []) l(frame.data as never);
          return true;
        }
        return false;
      },
      failAll(why: string): void {
        for (const id of [...pending.keys()]) settle(id)?.reject(o.unreachable(why));
      },
    };
  };

  return { name: spec.name, serve, caller, event: (event, data) => ({ kind: 'event', event, data }) };
}
