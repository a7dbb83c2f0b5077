// The one pipeline every page request runs through (docs/ARCHITECTURE.md "Adding a page method"),
// driven by the method table (src/rpc/shh-methods.ts) and served as the page channel
// (src/rpc/page-channel.ts): lock and access (the server's `admit`), params (the channel's guard, the
// table's), then quota, handler, activity. The router (router.ts) decides the order (queued or at
// once) from the same table and hands each request with its context. Invariants: the origin is the
// browser's; nothing runs for a method or site the table refuses; a refused call changes nothing.

import type { Server } from '../rpc/channel.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import { pageChannel, type PageParams, type PageRequests } from '../rpc/page-channel.ts';
import { methodNames, methodSpec, SHH_METHODS, type ExtensionMethod, type MethodSpec, type NodeMethod, type Quota, type ShhMethod } from '../rpc/shh-methods.ts';
import { lockedError } from './vault.ts';

/** Who asks: the router's, per Port. */
export interface PageContext {
  origin: string; // as the browser reported it for the requesting frame
  session: string; // the requesting document
  /** The top-level page's origin when the requesting frame is embedded in another (the approval window names it). */
  embeddedIn?: string;
}

export interface PageCall extends PageContext {
  method: string;
  params: unknown;
}

/** A handler the background answers itself: the table's `handler: 'extension'` methods. */
export type ExtensionHandler = (call: PageCall, args: unknown[]) => Promise<unknown>;

export interface PipelineServices {
  isConnected(origin: string): boolean;
  /** True while the vault is locked (or not created): only `whileLocked` methods answer then. */
  locked(): boolean;
  /** Refuses at once (-32000) when the site's quota is spent. */
  quota(origin: string, quota: Quota): Promise<void>;
  /** One handler per extension method: a missing one fails to compile. */
  extension: { [M in ExtensionMethod]: ExtensionHandler };
  /** A node method for a connected site, on its own keys and watchers. */
  site(origin: string, method: NodeMethod, args: unknown[], session: string): Promise<unknown>;
  /** An open node method (shh_version): answered without a site scope. */
  open(method: NodeMethod, args: unknown[]): Promise<unknown>;
  /** A call succeeded: count what it adds to the site's activity (never the auto-lock's: a page is not the user). */
  used?(origin: string, spec: MethodSpec, result: unknown): void;
}

export const notConnected = (): RpcError => new RpcError(RPC.unauthorized, 'The user has not connected this site: call shh_requestIdentities first.');

/**
 * Whether this origin may call `method` at all, before its params are looked at; throws the refusal.
 * Any name: one the table lacks is refused too (4200, or 4100 to a site that is not connected).
 */
export function admitPageCall(s: PipelineServices, origin: string, method: string): void {
  const spec = methodSpec(method);
  // Lock first: a locked extension says so, whatever was asked.
  if (!spec?.whileLocked && s.locked()) throw lockedError();
  const connected = s.isConnected(origin);
  // A site that is not connected learns nothing, not even which methods exist.
  if (!spec) throw connected ? new RpcError(RPC.unsupportedMethod, `The method ${method} is not supported.`) : notConnected();
  if (spec.access !== 'open' && !connected) throw notConnected();
  if (spec.access === 'user') throw new RpcError(RPC.unauthorized, `${method} changes node settings and is reserved to the user`);
}

/** An admitted method whose params passed the table's guard: quota, handler, activity. */
async function runPageCall(s: PipelineServices, method: ShhMethod, params: PageParams, context: PageContext): Promise<unknown> {
  const spec: MethodSpec = SHH_METHODS[method];
  const args = spec.params(params); // the guard passed: its arguments
  if (spec.quota) await s.quota(context.origin, spec.quota);
  let result: unknown;
  if (spec.handler === 'extension') result = await s.extension[method as ExtensionMethod]({ ...context, method, params }, args);
  else if (spec.access === 'open') result = await s.open(method as NodeMethod, args);
  else result = await s.site(context.origin, method as NodeMethod, args, context.session);
  s.used?.(context.origin, spec, result);
  return result;
}

/**
 * The page channel's server over the pipeline: one handler per method of the table. `handle(frame,
 * context)` answers a request frame with its response frame; errors cross as the channel maps them.
 */
export function pageServer(services: Promise<PipelineServices>, onInternal: (e: unknown, method: string) => void): Server<PageRequests, PageContext> {
  const handler = (method: ShhMethod) => async (params: PageParams, context: PageContext) => runPageCall(await services, method, params, context);
  const handlers = Object.fromEntries(methodNames().map((m) => [m, handler(m)])) as { [M in ShhMethod]: ReturnType<typeof handler> };
  return pageChannel.serve<PageContext>(handlers, { admit: async (method, context) => admitPageCall(await services, context.origin, method), onInternal });
}
