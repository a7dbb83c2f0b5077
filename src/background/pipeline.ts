// The one pipeline every page request runs through (docs/ARCHITECTURE.md "Adding a page method"),
// driven by the method table (src/rpc/shh-methods.ts): lock, access, params, quota, handler,
// activity. The router (router.ts) decides the order (queued or at once) from the same table.
// Invariants: the origin is the browser's; nothing runs for a method or site the table refuses;
// a refused call changes nothing.

import { RPC, RpcError } from '../rpc/errors.ts';
import { methodSpec, type ExtensionMethod, type MethodSpec, type NodeMethod, type Quota } from '../rpc/shh-methods.ts';
import { lockedError } from './vault.ts';

export interface PageCall {
  origin: string; // as the browser reported it for the requesting frame
  session: string; // the requesting document
  method: string;
  params: unknown;
  /** The top-level page's origin when the requesting frame is embedded in another (the approval window names it). */
  embeddedIn?: string;
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

/** Runs one page request through the pipeline; resolves to its result or rejects with an RpcError. */
export async function runPageCall(s: PipelineServices, call: PageCall): Promise<unknown> {
  const { origin, method } = call;
  const spec = methodSpec(method);
  // Lock first: a locked extension says so, whatever was asked.
  if (!spec?.whileLocked && s.locked()) throw lockedError();
  const connected = s.isConnected(origin);
  // A site that is not connected learns nothing, not even which methods exist.
  if (!spec) throw connected ? new RpcError(RPC.unsupportedMethod, `The method ${method} is not supported.`) : notConnected();
  if (spec.access !== 'open' && !connected) throw notConnected();
  if (spec.access === 'user') throw new RpcError(RPC.unauthorized, `${method} changes node settings and is reserved to the user`);
  const args = spec.params(call.params);
  if (spec.quota) await s.quota(origin, spec.quota);
  let result: unknown;
  if (spec.handler === 'extension') result = await s.extension[method as ExtensionMethod](call, args);
  else if (spec.access === 'open') result = await s.open(method as NodeMethod, args);
  else result = await s.site(origin, method as NodeMethod, args, call.session);
  s.used?.(origin, spec, result);
  return result;
}
