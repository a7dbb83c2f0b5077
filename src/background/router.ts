// The page boundary (docs/PROTOCOL.md §4): content scripts connect PAGE_PORT; the origin is the one the browser
// reports for the connecting frame (opaque origins refused), never one a frame states. The page channel
// (src/rpc/page-channel.ts) is served by the pipeline (pipeline.ts's pageServer): it guards each
// request and answers it, errors as {code, message, data?}. Everything about the transport stays here:
// the hello and its session and cursors, the size bound and the budgets before a request is taken,
// and the order. Each Port's requests run in order, one at a time, but Ports do not wait for each
// other, so a burst from one tab cannot starve another; a method the table answers at once ('now')
// skips the queue. A notification never overtakes the response that gives the page its watcher's id
// (web3.js drops unknown ids), because a Port's notifications wait while it creates a watcher.

import { toHex } from '../core/bytes.ts';
import type { Server } from '../rpc/channel.ts';
import { errorShape, RPC } from '../rpc/errors.ts';
import { describeError, createLog } from '../rpc/log.ts';
import { methodSpec } from '../rpc/shh-methods.ts';
import { isPageHello, MAX_PAGE_REQUEST_BYTES, PAGE_PORT, type PageEventName, type PageEvents, type ToPage } from '../rpc/page.ts';
import { pageChannel, type PageRequests } from '../rpc/page-channel.ts';
import { embeddingOrigin, senderOrigin, type Port } from './extension-api.ts';
import { PageBudget } from './page-budget.ts';
import type { Cursors, OriginScope } from './origin-scope.ts';
import type { Permissions } from './permissions.ts';
import { pageServer, type PageContext, type PipelineServices } from './pipeline.ts';

/** Requests a Port may have queued; beyond it the page is answered at once instead of buffered. */
export const MAX_QUEUED_PER_PORT = 256;
const log = createLog('shh:bg:router');

/** What requests need; it exists once the database is open, while Ports must be taken at once. */
export interface RouterServices extends PipelineServices {
  permissions: Permissions;
  scope: (origin: string) => OriginScope;
}

export interface RouterInit {
  services: Promise<RouterServices>;
  randomBytes: (n: number) => Uint8Array;
  /** Requests and bytes per site and per tab across Ports, Ports per site (a default budget if absent). */
  budget?: PageBudget;
}

interface Conn {
  port: Port;
  origin: string;
  session: string | undefined;
  top: string | undefined; // the embedding page's origin, for a frame (the approval window names it)
  tail: Promise<void>; // this Port's queue
  queued: number;
  open: boolean;
  tab: number;
  /** Counted in the budget's Ports of its origin; a Port beyond the cap is answered, never served. */
  admitted: boolean;
  /** performance.now() when its running shh_requestIdentities started waiting on the user. */
  approvalSince?: number;
  /** The page side's last delivery number per watcher, from its hello: where a replay starts. */
  cursors: Cursors;
  /** Watcher-creating requests (the table's `watchers` quota) running; notifications wait meanwhile. */
  creating: number;
  held: ToPage[];
}

export class PageRouter {
  readonly #i: RouterInit;
  readonly #conns = new Set<Conn>();
  readonly #budget: PageBudget;
  readonly #server: Server<PageRequests, PageContext>;
  #services: RouterServices | undefined;

  constructor(init: RouterInit) {
    this.#i = init;
    this.#budget = init.budget ?? new PageBudget();
    this.#server = pageServer(init.services, (e, method) => log.warn(`${method} failed unexpectedly`, e));
    init.services.then((s) => (this.#services = s)).catch(log.catcher('services never started'));
  }

  /** runtime.onConnect: takes PAGE_PORT connections; false for other Ports. */
  accept(port: Port): boolean {
    if (port.name !== PAGE_PORT) return false;
    const origin = senderOrigin(port.sender);
    if (!origin || port.sender?.tab === undefined) {
      port.disconnect();
      return true;
    }
    const tab = port.sender.tab.id ?? -1;
    const conn: Conn = { port, origin, session: undefined, top: embeddingOrigin(port.sender), tail: this.#i.services.then(() => undefined), queued: 0, open: true, tab, admitted: this.#budget.openPort(origin), cursors: {}, creating: 0, held: [] };
    this.#conns.add(conn);
    port.onMessage.addListener((m) => this.#frame(conn, m));
    port.onDisconnect.addListener(() => this.#closed(conn));
    return true;
  }

  /** Is a Port of this document attached now? */
  attached(origin: string, session: string): boolean {
    for (const c of this.#conns) if (c.origin === origin && c.session === session) return true;
    return false;
  }

  /** An event to every frame of an origin (connect, identitiesChanged). */
  emit<K extends PageEventName>(origin: string, event: K, data: PageEvents[K]): void {
    for (const c of this.#conns) if (c.origin === origin) this.#post(c, pageChannel.event(event, data));
  }

  /** A subscription message to the one document that subscribed. */
  deliver(origin: string, session: string, data: PageEvents['shh_subscription']): void {
    this.#toSession(origin, session, 'shh_subscription', data);
  }

  /** A named post's sealing progress to the one document that posted it (the shh_* API's notification). */
  progress(origin: string, session: string, data: unknown): void {
    this.#toSession(origin, session, 'shh_postProgress', data as PageEvents['shh_postProgress']);
  }

  #toSession<K extends PageEventName>(origin: string, session: string, event: K, data: PageEvents[K]): void {
    for (const c of this.#conns) {
      if (c.origin !== origin || c.session !== session) continue;
      const frame = pageChannel.event(event, data);
      if (event === 'shh_subscription' && c.creating > 0) c.held.push(frame);
      else this.#post(c, frame);
    }
  }

  #frame(conn: Conn, m: unknown): void {
    if (!conn.open) return;
    if (isPageHello(m)) {
      if (conn.session !== undefined) return; // one hello per Port, first wins
      conn.session = m.session;
      conn.cursors = m.cursors ?? {};
      for (const c of this.#conns) if (c !== conn && c.origin === conn.origin && c.session === m.session) this.#detach(c); // the document's old Port
      this.#enqueue(conn, async () => {
        const s = await this.#i.services;
        // Locked, the watchers' keys cannot be opened: they are replayed by restoreAll() on unlock.
        if (!s.locked() && s.permissions.isConnected(conn.origin)) await s.scope(conn.origin).restoreSession(m.session, conn.cursors);
      });
      return;
    }
    if (!pageChannel.isRequest(m)) {
      const id = (m as { id?: unknown } | null)?.id;
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) this.#refuse(conn, id, RPC.invalidRequest, 'invalid request');
      return;
    }
    conn.session ??= toHex(this.#i.randomBytes(16), false); // no hello: a session for this Port only
    const size = jsonSize(m.params);
    if (size > MAX_PAGE_REQUEST_BYTES) return this.#refuse(conn, m.id, RPC.invalidRequest, `request larger than ${MAX_PAGE_REQUEST_BYTES} bytes`);
    if (!conn.admitted) return this.#refuse(conn, m.id, RPC.internal, `too many frames of this site are connected: at most ${this.#budget.limits.portsPerOrigin}`);
    if (conn.queued >= MAX_QUEUED_PER_PORT) return this.#refuse(conn, m.id, RPC.internal, 'too many requests in flight');
    const release = this.#budget.admit(conn.origin, conn.tab, size, conn.approvalSince === undefined ? 0 : performance.now() - conn.approvalSince);
    if (typeof release === 'string') return this.#refuse(conn, m.id, RPC.internal, release);
    const context: PageContext = { origin: conn.origin, session: conn.session, ...(conn.top !== undefined ? { embeddedIn: conn.top } : {}) };
    const creates = methodSpec(m.method)?.quota === 'watchers';
    const run = async (): Promise<void> => {
      if (creates) conn.creating++;
      try {
        // A closed page's queued requests never run: each could be a post sealing for minutes.
        if (!conn.open) return;
        if (m.method === 'shh_requestIdentities') conn.approvalSince = performance.now();
        const answer = await this.#server.handle(m, context);
        if (answer) this.#post(conn, answer);
      } finally {
        if (m.method === 'shh_requestIdentities') conn.approvalSince = undefined;
        if (creates && --conn.creating === 0) for (const f of conn.held.splice(0)) this.#post(conn, f);
        release();
      }
    };
    // A method the table answers at once (shh_cancelPost) must not wait behind the very post it cancels.
    if (methodSpec(m.method)?.order === 'now') run().catch(log.catcher('answering a request at once'));
    else this.#enqueue(conn, run);
  }

  /** The vault unlocked: every attached document of a connected site gets its watchers back. */
  restoreAll(): void {
    for (const conn of this.#conns) {
      const session = conn.session;
      if (session === undefined) continue;
      this.#enqueue(conn, async () => {
        const s = await this.#i.services;
        if (!s.locked() && s.permissions.isConnected(conn.origin)) await s.scope(conn.origin).restoreSession(session, conn.cursors);
      });
    }
  }

  #enqueue(conn: Conn, job: () => Promise<void>): void {
    conn.queued++;
    conn.tail = conn.tail
      .then(job)
      .catch(log.catcher('a queued job failed'))
      .finally(() => {
        conn.queued--;
      });
  }

  /** A request the transport refuses before the channel sees it. */
  #refuse(conn: Conn, id: number, code: number, message: string): void {
    this.#post(conn, { kind: 'response', id, error: errorShape(code, message) });
  }

  #post(conn: Conn, frame: ToPage): void {
    if (!conn.open) return;
    try {
      conn.port.postMessage(frame);
    } catch (e) {
      log('a Port closed under a frame: %s', describeError(e));
      this.#closed(conn);
    }
  }

  #detach(conn: Conn): void {
    conn.open = false;
    this.#conns.delete(conn);
    this.#unport(conn);
    try {
      conn.port.disconnect();
    } catch (e) {
      log('replaced Port already gone: %s', describeError(e));
    }
  }

  #unport(conn: Conn): void {
    if (conn.admitted) this.#budget.closePort(conn.origin);
    conn.admitted = false;
  }

  #closed(conn: Conn): void {
    if (!this.#conns.delete(conn)) return;
    conn.open = false;
    this.#unport(conn);
    const { origin, session } = conn;
    if (session === undefined || this.attached(origin, session)) return;
    const s = this.#services;
    if (s?.permissions.isConnected(origin)) void s.scope(origin).endSession(session, false).catch(log.catcher('ending a closed document\'s session'));
  }
}

/** The request's JSON size, measured without trusting the page's object to be small; Infinity when not JSON. */
function jsonSize(params: unknown): number {
  try {
    return (JSON.stringify(params ?? null) ?? '').length;
  } catch {
    return Infinity; // cycles or BigInt cannot have crossed structured cloning as JSON anyway
  }
}
