// One typed request/response/event primitive over a message Port. A channel is defined once, by its
// map (each request's params and result, each event's data) and the guards of everything that arrives
// as `unknown`; both ends take from it what they need: `serve(handlers)` on the answering side, a
// `caller(post)` on the asking side, and `isRequest` / `isResponse` / `isEvent`, the one definition of
// its frames, for a relay between them. Invariants: nothing reaches a handler or a listener before its
// frame and its params (or event data) pass the channel's guards; a handler table missing an op, or a
// guard table missing an op or event, fails to compile; errors cross as {code, message, data?} only
// (src/rpc/errors.ts); every request is answered once, or fails with the channel's `unreachable`.
// Transport matters (which Port, hello, keepalive, reconnecting, order) stay with the transport; it
// hands each frame to `handle(frame, context)` with who asks (the page channel's origin and session),
// which reaches `admit` and every handler. One end of the
// page channel does not run this code: the MAIN world's (src/inpage/), which may use only built-ins it
// captured before the page's scripts ran (src/rpc/page.ts).

import { RPC, RpcError, toRpcError, type RpcErrorShape } from './errors.ts';
import { isErrorShape, isObject, isSafeId } from './guards.ts';

/**
 * A channel's map is two types: its requests (each op's params and result) and its events (each
 * event's data). `Requests<R>` is what every request map satisfies.
 */
export type Requests<R> = { [K in keyof R]: { params: unknown; result: unknown } };

export type OpOf<R> = keyof R & string;
export type EventOf<E> = keyof E & string;
type P<R extends Requests<R>, K extends keyof R> = R[K]['params'];
type Res<R extends Requests<R>, K extends keyof R> = R[K]['result'];

/** A request as its sender builds it: the op under the channel's key (`op`, or JSON-RPC's `method`). */
export type RequestFrame<R, Key extends string = 'op'> = { kind: 'request'; id: number; params: unknown } & { [F in Key]: OpOf<R> };
/**
 * A request frame as a receiver finds it valid. Its op is any name the channel's wire allows: one of
 * the map's by default; any name for a channel whose server refuses unknown ones itself (the page's).
 */
export type IncomingRequest<Key extends string = 'op'> = { kind: 'request'; id: number; params?: unknown } & { [F in Key]: string };
export type ResponseFrame = { kind: 'response'; id: number; result?: unknown; error?: RpcErrorShape };
export type EventFrame<E> = { kind: 'event'; event: EventOf<E>; data: unknown };

/**
 * One handler per op, typed by the map: leaving one out does not compile. `context` is what the
 * transport passed to `handle` (who asks); channels without one leave C void and ignore it.
 */
export type Handlers<R extends Requests<R>, C = void> = { [K in OpOf<R>]: (params: P<R, K>, context: C) => Promise<Res<R, K>> };

/**
 * The guard of an op's params. It returns false to refuse with -32602 "invalid params for <op>", or
 * throws an RpcError to refuse in its own words (the page channel answers with geth's texts).
 */
export type ParamsGuard<T> = (p: unknown) => p is T;

/**
 * What makes a request frame beyond {kind: 'request', id}. Default: one of the map's ops under `op`,
 * params an object. The page channel's wire is JSON-RPC's (docs/PROTOCOL.md §4): `method`, any name
 * (unknown ones are the server's to refuse, through `admit`), params optional and left to each op's guard.
 */
export interface Wire<Key extends string> {
  key: Key;
  op: (x: unknown) => x is string;
  params: (x: unknown) => boolean;
}

export interface ChannelSpec<R extends Requests<R>, E, Key extends string = 'op'> {
  /** Names the channel in error messages ("invalid peer frame"). */
  name: string;
  requests: { [K in OpOf<R>]: ParamsGuard<P<R, K>> };
  events: { [K in EventOf<E>]: (d: unknown) => d is E[K] };
  wire?: Wire<Key>;
}

export interface ServeOptions<C = void> {
  /**
   * Runs first, for any op name the frame carries (one the channel lacks too), before the params are
   * looked at: refuses (throws) a caller who may not call it at all, e.g. the page channel's lock and
   * access rules, so a site that may not call a method never learns how its params were wrong.
   */
  admit?: (op: string, context: C) => void | Promise<void>;
  /** Runs every handler, after its params passed the guard (e.g. a lock check before, a timer touch after). */
  around?: (op: string, run: () => Promise<unknown>) => Promise<unknown>;
  /** The code of an op this channel does not have (default -32601). */
  unknownOpCode?: number;
  /** Turns what a handler threw into what crosses (before toRpcError); e.g. a codec's TypeError into a ParamError. */
  mapError?: (e: unknown) => unknown;
  /** Sees each unexpected error that crosses as -32603 without its message, with the op that threw it. */
  onInternal?: (e: unknown, op: string) => void;
}

export interface Server<R extends Requests<R>, C = void> {
  /** Admits, checks `params` with the op's guard, then runs its handler; throws an RpcError (in-process callers). */
  request<K extends OpOf<R>>(op: K, params: unknown, context: C): Promise<Res<R, K>>;
  /**
   * One frame from the other end: a request resolves to its response frame (an unusable one with an id
   * to -32600); anything else resolves to undefined, for the transport to deal with. A result that is
   * undefined crosses as null: a JSON Port would drop the member, and a response has one of the two.
   */
  handle(frame: unknown, context: C): Promise<ResponseFrame | undefined>;
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

export interface Channel<R extends Requests<R>, E, Key extends string = 'op'> {
  readonly name: string;
  serve<C = void>(handlers: Handlers<R, C>, o?: ServeOptions<C>): Server<R, C>;
  /** `post` sends a frame on the current Port; it throws when there is none (the request then fails). */
  caller(post: (frame: RequestFrame<R, Key>) => void, o: CallerOptions<R>): Caller<R, E>;
  event<K extends EventOf<E>>(event: K, data: E[K]): EventFrame<E>;
  /** A request frame of this channel's wire (its params not yet checked: that is the server's, per op). */
  isRequest(x: unknown): x is IncomingRequest<Key>;
  /** A response: a usable id, and an error of the one shape or a result. */
  isResponse(x: unknown): x is ResponseFrame;
  /** An event of this channel whose data passes its guard. */
  isEvent(x: unknown): x is EventFrame<E>;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function defineChannel<R extends Requests<R>, E, Key extends string = 'op'>(spec: ChannelSpec<R, E, Key>): Channel<R, E, Key> {
  const isOp = (op: unknown): op is OpOf<R> => typeof op === 'string' && Object.hasOwn(spec.requests, op);
  const isEventName = (e: unknown): e is EventOf<E> => typeof e === 'string' && Object.hasOwn(spec.events, e);
  const wire = spec.wire ?? { key: 'op' as Key, op: isOp, params: isObject };

  const isRequest = (x: unknown): x is IncomingRequest<Key> =>
    isObject(x) && x.kind === 'request' && isSafeId(x.id) && wire.op(x[wire.key]) && wire.params(x.params);
  const isResponse = (x: unknown): x is ResponseFrame =>
    isObject(x) && x.kind === 'response' && isSafeId(x.id) && (x.error === undefined ? 'result' in x : isErrorShape(x.error));
  const isEvent = (x: unknown): x is EventFrame<E> => isObject(x) && x.kind === 'event' && isEventName(x.event) && spec.events[x.event](x.data);

  const serve = <C = void>(handlers: Handlers<R, C>, o: ServeOptions<C> = {}): Server<R, C> => {
    const request = async <K extends OpOf<R>>(op: K, params: unknown, context: C): Promise<Res<R, K>> => {
      await o.admit?.(op, context);
      if (!isOp(op)) throw new RpcError(o.unknownOpCode ?? RPC.methodNotFound, `unknown op ${String(op)}`);
      if (!spec.requests[op](params)) throw new RpcError(RPC.invalidParams, `invalid params for ${op}`);
      try {
        const run = (): Promise<Res<R, K>> => handlers[op](params, context);
        return o.around ? ((await o.around(op, run)) as Res<R, K>) : await run();
      } catch (e) {
        throw o.mapError ? o.mapError(e) : e;
      }
    };
    const handle = async (frame: unknown, context: C): Promise<ResponseFrame | undefined> => {
      if (!isObject(frame) || frame.kind !== 'request') return undefined;
      if (!isSafeId(frame.id)) return undefined;
      const id = frame.id;
      if (!isRequest(frame)) return { kind: 'response', id, error: { code: RPC.invalidRequest, message: `invalid ${spec.name} frame` } };
      const op = frame[wire.key] as unknown as OpOf<R>; // an op of the map, or (an open wire) a name `request` refuses
      try {
        return { kind: 'response', id, result: (await request(op, frame.params, context)) ?? null };
      } catch (e) {
        return { kind: 'response', id, error: toRpcError(e, o.onInternal && ((x) => o.onInternal?.(x, op))).toJSON() };
      }
    };
    return { request, handle };
  };

  const caller = (post: (frame: RequestFrame<R, Key>) => void, o: CallerOptions<R>): Caller<R, E> => {
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
            post({ kind: 'request', id, [wire.key]: op, params } as RequestFrame<R, Key>);
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
          // A malformed answer fails its request rather than leaving it to time out.
          if (!isResponse(frame)) p.reject(new RpcError(RPC.internal, `${spec.name} error`));
          else if (frame.error !== undefined) p.reject(new RpcError(frame.error.code, frame.error.message));
          else p.resolve(frame.result);
          return true;
        }
        if (frame.kind === 'event' && isEventName(frame.event)) {
          if (isEvent(frame)) for (const l of listeners.get(frame.event) ?? []) l(frame.data as never);
          return true; // malformed data: dropped, never half-delivered
        }
        return false;
      },
      failAll(why: string): void {
        for (const id of [...pending.keys()]) settle(id)?.reject(o.unreachable(why));
      },
    };
  };

  return { name: spec.name, serve, caller, event: (event, data) => ({ kind: 'event', event, data }), isRequest, isResponse, isEvent };
}
