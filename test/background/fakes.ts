// Fakes for the background's unit tests: runtime Ports, the slice of the extension API it uses, and a
// PeerChannel over an in-memory pool (real validation, reference PoW). Paired with fake-indexeddb.
import 'fake-indexeddb/auto';
import { afterEach, expect } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { EnvelopePool } from '../../src/core/pool.ts';
import { validateEnvelope } from '../../src/core/validate.ts';
import { RPC, RpcError } from '../../src/rpc/errors.ts';
import { openWhisperDb, type WhisperDatabase } from '../../src/store/db.ts';
import { startBackground, type Background } from '../../src/background/background.ts';
import type { Windows } from 'webextension-polyfill';
import type { ExtEvent, ExtensionApi, MessageSender, OnMessageListener, Port } from '../../src/background/extension-api.ts';
import { PAGE_PORT } from '../../src/rpc/page.ts';
import type { PeerChannel, PeerEventName, PeerEvents, PeerOp, PeerRequests, PeerStatus } from '../../src/rpc/peer.ts';
import { isNodeQuery, nodeQueryGuards } from '../../src/rpc/node-queries.ts';
import { nodeQueries } from '../../src/api/node-queries.ts';
import { fakeWhisperService } from '../api/fake-service.ts';
import { sealReference } from '../core/fixtures.ts';

// `any`: the published Events.Event constraint on a listener type.
export function fakeEvent<L extends (...a: any[]) => any>(): ExtEvent<L> & { fire(...a: Parameters<L>): ReturnType<L>[]; size(): number } {
  const ls = new Set<L>();
  return {
    addListener: (l) => void ls.add(l),
    removeListener: (l) => void ls.delete(l),
    hasListener: (l) => ls.has(l),
    fire: (...a) => [...ls].map((l) => l(...a) as ReturnType<L>),
    size: () => ls.size,
  };
}

/** The background's end of a runtime Port; the test plays the other end. */
export class FakePort implements Port {
  readonly name: string;
  readonly sender: MessageSender | undefined;
  readonly onMessage = fakeEvent<(m: unknown, p: Port) => void>();
  readonly onDisconnect = fakeEvent<(p: Port) => void>();
  readonly received: unknown[] = [];
  disconnected = false;
  constructor(name: string, sender?: MessageSender) {
    this.name = name;
    this.sender = sender;
  }
  postMessage(m: unknown): void {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.received.push(structuredClone(m));
  }
  disconnect(): void {
    this.disconnected = true;
  }
  /** The other end sends a frame. */
  send(m: unknown): void {
    this.onMessage.fire(structuredClone(m), this);
  }
  /** The other end goes away (document closed). */
  close(): void {
    this.disconnected = true;
    this.onDisconnect.fire(this);
  }
}

export const EXT_ID = 'abcdefghijklmnopabcdefghijklmnop';
export const EXT_URL = `chrome-extension://${EXT_ID}/`;

const fakeWindow = (id: number): Windows.Window => ({ id, focused: true, incognito: false, alwaysOnTop: false });

export class FakeWindows {
  readonly open = new Map<number, string>();
  readonly onRemoved = fakeEvent<(id: number) => void>();
  #next = 100;
  async create(d?: { url?: string | string[] }): Promise<Windows.Window> {
    const id = this.#next++;
    this.open.set(id, String(d?.url));
    return fakeWindow(id);
  }
  async get(id: number): Promise<Windows.Window> {
    if (!this.open.has(id)) throw new Error(`No window with id: ${id}.`);
    return fakeWindow(id);
  }
  async remove(id: number): Promise<void> {
    if (!this.open.delete(id)) throw new Error(`No window with id: ${id}.`);
    this.onRemoved.fire(id);
  }
  async update(id: number): Promise<Windows.Window> {
    return fakeWindow(id);
  }
  /** The user closes a window. */
  userClose(id: number): void {
    this.open.delete(id);
    this.onRemoved.fire(id);
  }
  /** Approval ids of open approval windows. */
  approvalIds(): string[] {
    return [...this.open.values()].map((u) => new URL(u).searchParams.get('id') ?? '');
  }
}

export function fakeExtension(windows = new FakeWindows()) {
  const runtime = {
    id: EXT_ID,
    getURL: (p: string) => EXT_URL + p.replace(/^\//, ''),
    onConnect: fakeEvent<(p: Port) => void>(),
    onMessage: fakeEvent<OnMessageListener>(),
  };
  const alarms = {
    created: [] as string[],
    infos: new Map<string, { periodInMinutes?: number; delayInMinutes?: number }>(),
    create: (name: string, info: { periodInMinutes?: number; delayInMinutes?: number } = {}) => void (alarms.created.push(name), alarms.infos.set(name, info)),
    onAlarm: fakeEvent<(a: { name: string }) => void>(),
  };
  const api = { runtime, windows, alarms } satisfies ExtensionApi;
  return api;
}
export type FakeExtension = ReturnType<typeof fakeExtension>;

/** A peer host in memory: pool, validation, reference sealing; `delayMs` slows every request. */
export class FakePeer implements PeerChannel {
  readonly pool: EnvelopePool;
  readonly listeners = new Map<PeerEventName, Set<(d: never) => void>>();
  readonly calls: PeerOp[] = [];
  /** Every request with its params, and the envelopes (rlp hex) each `envelopes` answer carried. */
  readonly requests: { op: PeerOp; params: unknown; rlps?: number; bytes?: number }[] = [];
  /** Like the real peer server: envelope bytes only on watched topics (else the size alone). */
  filterByWatch = false;
  /** Params of every `configure` request, in order. */
  readonly configured: PeerRequests['configure']['params'][] = [];
  #limits: { minPow: number; maxSize: number; relays: string[] } = { minPow: 0.001, maxSize: 65536, relays: [] };
  delayMs = 0;
  down = false;
  /** The mix client's status to report (absent: a peer without a mix layer). */
  dark: PeerStatus['dark'];
  /** How each post asked to leave: `dark` as the peer received it. */
  readonly posts: { hash: string; dark: boolean | undefined }[] = [];
  /** Envelopes sent dark (rlp hex), not pooled until the test brings them back with `receive`. */
  readonly darkSent: string[] = [];
  /** The topics the background last said it watches. */
  watched: string[] | 'all' = [];
  readonly now: () => number;
  /** The Whisper service the node queries read, as the peer host's would be (its handlers are the real ones). */
  readonly service = fakeWhisperService(2);
  readonly #queries = nodeQueries(() => this.service);
  constructor(now: () => number = Date.now) {
    this.now = now;
    this.pool = new EnvelopePool({ now });
  }
  status(): PeerStatus {
    const { minPow, maxSize, relays } = this.#limits;
    return { started: true, peerId: '12D3KooWfake', peers: 2, relays: relays.map((addr) => ({ addr, connected: true })), envelopes: this.pool.size, bytes: this.pool.bytes, minPow, maxSize, ...(this.dark ? { dark: this.dark } : {}) };
  }
  async request<K extends PeerOp>(op: K, params: PeerRequests[K]['params']): Promise<PeerRequests[K]['result']> {
    this.calls.push(op);
    const logged: (typeof this.requests)[number] = { op, params: structuredClone(params) };
    this.requests.push(logged);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.down) throw new RpcError(RPC.disconnected, 'the Whisper peer is unreachable');
    if (isNodeQuery(op)) {
      // As the peer server does: the query's guard, then its one handler.
      if (!nodeQueryGuards[op](params)) throw new RpcError(RPC.invalidParams, `invalid params for ${op}`);
      return (await this.#queries[op](params as never)) as never;
    }
    const p = params as Record<string, unknown>;
    switch (op) {
      case 'status':
        return this.status() as never;
      case 'envelopes': {
        const topics = (params as PeerRequests['envelopes']['params']).topics;
        const rlps = [...this.pool.values()].filter((e) => !topics || topics.includes(toHex(e.topic))).map((e) => toHex(e.rlp));
        logged.rlps = rlps.length;
        logged.bytes = JSON.stringify({ rlps }).length;
        return { rlps } as never;
      }
      case 'watch':
        this.watched = (params as PeerRequests['watch']['params']).topics ?? 'all';
        return null as never;
      case 'seal': {
        const s = params as PeerRequests['seal']['params'];
        const env = sealReference({ expiry: s.expiry, ttl: s.ttl, topic: fromHex(s.topic, true), data: fromHex(s.data, true) }, s.target);
        return { nonce: `0x${env.nonce.toString(16).padStart(16, '0')}` } as never;
      }
      case 'post': {
        if (p.dark === true) {
          // Dark: into the mix, not the pool; it comes back (receive) once the exit publishes it.
          const v = validateEnvelope(fromHex(p.rlp as string, true), { minPow: 0, maxSize: 65536, now: Math.floor(this.now() / 1000) });
          if (v.kind !== 'accept') throw new RpcError(RPC.whisper, `not accepted: ${v.kind}`);
          this.darkSent.push(p.rlp as string);
          this.posts.push({ hash: toHex(v.envelope.hash), dark: true });
          return { hash: toHex(v.envelope.hash) } as never;
        }
        const hash = toHex(this.receive(p.rlp as string));
        this.posts.push({ hash, dark: p.dark as boolean | undefined });
        return { hash } as never;
      }
      case 'configure': {
        const c = params as PeerRequests['configure']['params'];
        this.configured.push(structuredClone(c));
        this.#limits = { ...this.#limits, ...c };
        return this.status() as never;
      }
      default:
        return null as never;
    }
  }
  /** An envelope the peer accepts (from the network, or a local post); it tells the background. */
  receive(rlpHex: string, p2p = false): Uint8Array {
    const v = validateEnvelope(fromHex(rlpHex, true), { minPow: 0, maxSize: 65536, now: Math.floor(this.now() / 1000) }, (h) => this.pool.has(h));
    if (v.kind !== 'accept') throw new RpcError(RPC.whisper, `not accepted: ${v.kind}`);
    this.pool.add(v.envelope);
    const watched = !this.filterByWatch || this.watched === 'all' || this.watched.includes(toHex(v.envelope.topic));
    this.emit('envelope', watched ? { rlp: rlpHex, size: v.envelope.rlp.length, p2p } : { size: v.envelope.rlp.length, p2p });
    return v.envelope.hash;
  }
  emit<K extends PeerEventName>(event: K, data: PeerEvents[K]): void {
    for (const l of this.listeners.get(event) ?? []) l(data as never);
  }
  on<K extends PeerEventName>(event: K, listener: (data: PeerEvents[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (d: never) => void);
    return () => set.delete(listener as (d: never) => void);
  }
}

let dbCounter = 0;
/** A fresh database per test (fake-indexeddb keeps them in memory). */
export const freshDbName = (): string => `shh-test-${process.pid}-${++dbCounter}`;

export interface Harness {
  bg: Background;
  ext: FakeExtension;
  peer: FakePeer;
  db: WhisperDatabase;
  dbName: string;
}

/** PBKDF2 cost in unit tests (the product's 600 000 is tested once, in vault.test.ts). */
export const TEST_ITERATIONS = 1000;
export const PASSWORD = 'correct horse battery';

/** storage.session: a Map that outlives a "worker" when the test passes the same one again. */
export class FakeSession {
  readonly items = new Map<string, unknown>();
  async get(key: string): Promise<Record<string, unknown>> {
    return this.items.has(key) ? { [key]: structuredClone(this.items.get(key)) } : {};
  }
  async set(items: Record<string, unknown>): Promise<void> {
    for (const [k, v] of Object.entries(items)) this.items.set(k, structuredClone(v));
  }
  async remove(key: string): Promise<void> {
    this.items.delete(key);
  }
}

/**
 * A background over fakes; pass the same dbName / windows / peer / session to simulate a worker
 * restart. `vault` 'unlocked' (default) creates the vault with PASSWORD on a fresh database.
 */
export async function makeBackground(
  o: { dbName?: string; windows?: FakeWindows; peer?: FakePeer; now?: () => number; session?: FakeSession; vault?: 'unlocked' | 'as-is'; darkByDefault?: boolean } = {},
): Promise<Harness & { session: FakeSession }> {
  const dbName = o.dbName ?? freshDbName();
  const ext = fakeExtension(o.windows);
  const session = o.session ?? new FakeSession();
  const peer = o.peer ?? new FakePeer();
  const db = await openWhisperDb(dbName);
  const bg = startBackground({
    api: { ...ext, storage: { session } },
    channel: peer,
    db: Promise.resolve(db),
    randomBytes,
    vaultIterations: TEST_ITERATIONS,
    defaultRelays: ['/ip4/127.0.0.1/tcp/9090/ws'],
    // As the browser tests' builds: dark posts off by default, except in the tests about them.
    darkByDefault: o.darkByDefault ?? false,
    ...(o.now ? { now: o.now } : {}),
  });
  const s = await bg.services;
  if ((o.vault ?? 'unlocked') === 'unlocked' && s.vault.state === 'new') await s.vault.create(PASSWORD);
  await bg.node.resync();
  return { bg, ext, peer, db, dbName, session };
}

/** Stops a background as a dying worker would: no goodbyes, listeners and timers gone. */
export function kill(h: Harness): void {
  h.bg.stop();
  h.db.close();
}

/** A page's end: connects PAGE_PORT from a frame of `origin`, says hello, sends requests, awaits answers. */
export class Page {
  readonly port: FakePort;
  readonly origin: string;
  readonly session: string;
  #id = 1;
  constructor(h: Harness, origin: string, session = toHex(randomBytes(16), false), hello = true, cursors?: Record<string, number>) {
    this.origin = origin;
    this.session = session;
    this.port = new FakePort(PAGE_PORT, { id: EXT_ID, url: `${origin}/app.html`, origin, tab: { id: 1 }, frameId: 0 });
    h.ext.runtime.onConnect.fire(this.port);
    if (hello) this.port.send({ kind: 'hello', session: this.session, ...(cursors ? { cursors } : {}) });
  }
  /**
   * What the content bridge would send in its next hello: per watcher, the last delivery number this
   * Port received (subscription events and poll answers), optionally only from its first `frames` frames.
   */
  cursors(frames = this.port.received.length): Record<string, number> {
    const out: Record<string, number> = {};
    const polls = new Map<number, string>();
    for (const f of this.sent) if (f.method === 'shh_getFilterMessages' && Array.isArray(f.params)) polls.set(f.id, String(f.params[0]));
    for (const f of this.port.received.slice(0, frames) as { kind: string; id?: number; result?: unknown; data?: { subscription?: string; seq?: number } }[]) {
      if (f.kind === 'event' && f.data?.subscription !== undefined && f.data.seq !== undefined) out[f.data.subscription] = Math.max(out[f.data.subscription] ?? 0, f.data.seq);
      const filter = f.kind === 'response' ? polls.get(f.id!) : undefined;
      if (filter !== undefined && Array.isArray(f.result)) for (const m of f.result as { seq?: number }[]) if (m.seq !== undefined) out[filter] = Math.max(out[filter] ?? 0, m.seq);
    }
    return out;
  }
  readonly sent: { id: number; method: string; params?: unknown }[] = [];
  /** Sends a request; resolves to the response frame. */
  async raw(method: string, params?: unknown): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
    const id = this.#id++;
    this.sent.push({ id, method, params });
    this.port.send({ kind: 'request', id, method, params });
    return this.response(id);
  }
  async response(id: number): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
    for (let i = 0; i < 2000; i++) {
      const r = this.port.received.find((f) => (f as { kind: string; id?: number }).kind === 'response' && (f as { id: number }).id === id);
      if (r) return r as never;
      await new Promise((res) => setTimeout(res, 2));
    }
    throw new Error(`no response to ${id}`);
  }
  async call(method: string, ...params: unknown[]): Promise<unknown> {
    const r = await this.raw(method, params);
    if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.result;
  }
  async code(method: string, ...params: unknown[]): Promise<number | undefined> {
    return (await this.raw(method, params)).error?.code;
  }
  events(name?: string): { event: string; data: unknown }[] {
    return this.port.received.filter((f) => (f as { kind: string }).kind === 'event' && (!name || (f as { event: string }).event === name)) as never;
  }
}

/** The popup's end of the popup channel. */
export function popup(h: Harness, op: string, params: unknown): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const answer = h.ext.runtime.onMessage.fire({ channel: 'shh-popup', op, params }, { id: EXT_ID, url: `${EXT_URL}approval.html?id=x` }).find((a) => a !== undefined);
  return (answer ?? Promise.resolve({ error: { code: 0, message: 'not answered' } })) as Promise<{ result?: unknown; error?: { code: number; message: string } }>;
}

// Generous by default: a condition met late on a loaded machine is not a failure.
export const until = async (f: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

/** A starter for backgrounds in a test file: every one started is killed after each test. */
export function backgrounds(): (o?: Parameters<typeof makeBackground>[0]) => ReturnType<typeof makeBackground> {
  const live: Awaited<ReturnType<typeof makeBackground>>[] = [];
  afterEach(() => {
    for (const h of live.splice(0)) kill(h);
  });
  return async (o) => {
    const h = await makeBackground(o);
    live.push(h);
    return h;
  };
}

/** Page asks for identities; the test approves in the approval window, granting `identities`. */
export async function approveSite(h: Harness, page: Page, identities: string[] = []): Promise<unknown> {
  const before = new Set(h.ext.windows.approvalIds());
  const pending = page.raw('shh_requestIdentities');
  await until(() => h.ext.windows.approvalIds().some((id) => !before.has(id)));
  const id = h.ext.windows.approvalIds().find((x) => !before.has(x))!;
  expect((await popup(h, 'approval:decide', { id, approve: true, identities })).error).toBeUndefined();
  return (await pending).result;
}

/** A new page of `origin` (in `session`, else its own) whose site the user approved with no identity. */
export async function connectedPage(h: Harness, origin: string, session?: string): Promise<Page> {
  const p = new Page(h, origin, session);
  await approveSite(h, p);
  return p;
}
