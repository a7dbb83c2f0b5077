// The shh_* and net_* methods with geth 1.9 whisperv6 semantics (docs/PROTOCOL.md §4, §5): parameter checks,
// key and filter ids, post (encrypt, sign, seal, send) and message watchers. One ShhApi serves one
// scope of keys and watchers: the relay has one for its operator, the extension one per origin.
// Its handlers are typed over the method table (src/rpc/shh-methods.ts); the node settings are added
// only where the node has an admin (node-settings.ts); node queries (`handler: 'query'`) go to the
// node's NodeQuery role as they are, after their params guard, with no code here. Over 300 lines:
// post and criteria follow geth's checks in geth's order, which reads best next to the handlers that
// use them.

import { toHex } from '../core/bytes.ts';
import { DEFAULT_TTL, PROTOCOL_VERSION } from '../core/constants.ts';
import { encodeShort, envelopeSize, type Envelope } from '../core/envelope.ts';
import { zerosForTarget } from '../core/pow.ts';
import type { FilterCriteria } from '../core/filter.ts';
import { sealAsymmetric, sealSymmetric, type PayloadParams } from '../core/message.ts';
import { symKeyFromPassword } from '../core/password.ts';
import { isValidPublicKey, publicKeyOf } from '../core/signature.ts';
import { isZeroTopic } from '../core/topic.ts';
import { isValidSymKey, MemoryKeyStore, newKeyId, newSubscriptionId, type KeyStore } from './keys.ts';
import { messageToJson } from './message-json.ts';
import type { DarkSender, NodeRoles, SealProgress } from './node.ts';
import { adminTable } from './node-settings.ts';
import { args, bytes, CRITERIA, float, NEW_MESSAGE, str, struct, uint32 } from './params.ts';
import { RPC, RpcError, invalidParams, toRpcError, whisperFailure } from '../rpc/errors.ts';
import { isNodeQuery, nodeQueryGuards, type NodeQueryName } from '../rpc/node-queries.ts';
import { methodSpec, type AdminMethod, type NodeMethod, type QueryMethod } from '../rpc/shh-methods.ts';
import { Watchers } from './watchers.ts';

// geth's error texts (whisperv6/api.go), which DApps match on.
export const ERR = {
  symAsym: 'specify either a symmetric or an asymmetric key',
  invalidSymKey: 'invalid symmetric key',
  invalidPublicKey: 'invalid public key',
  invalidSigningPubKey: 'invalid signing public key',
  tooLowPow: 'message rejected, PoW too low',
  noTopics: 'missing topic(s)',
  privateKeyNotFound: 'invalid id',
  symKeyNotFound: 'non-existent key ID',
  filterNotFound: 'filter not found',
  /** shh_deleteMessageFilter of an unknown filter (geth's Whisper.Unsubscribe). */
  unsubscribeInvalidId: 'Unsubscribe: Invalid ID',
  subscriptionNotFound: 'subscription not found',
  notificationsUnsupported: 'notifications not supported',
  tooLarge: 'huge messages are not allowed',
  postCancelled: 'post cancelled',
} as const;

/** Topics one subscription or filter may watch: its criteria are kept for replay, so they stay small (12 KiB). */
export const MAX_WATCHER_TOPICS = 1024;
/** A post's progress notifications are sent at most this often. */
export const POST_PROGRESS_INTERVAL_MS = 250;

export interface CallContext {
  session: string;
  /** Present on transports that can push (WebSocket, the extension's port); needed by shh_subscribe. */
  notify?: (method: string, params: unknown) => void;
}

export interface ShhApiInit {
  /** The node's roles; node settings (shh_setMinPoW & co.) are registered only when it has an admin. */
  node: NodeRoles;
  keys?: KeyStore;
  randomBytes: (n: number) => Uint8Array;
  now?: () => number; // ms
  /** net_version: there is no Ethereum chain under Whisper; see docs/API.md. */
  netVersion?: string;
  /**
   * A session's polled filters end with it (endSession): a page's filters end with the page. Default:
   * true for an API without a node admin (a page's), false for one with (the relay's operator) (geth: filters are the node's, never expire).
   */
  filtersEndWithSession?: boolean;
  /** Distinct keys this API's subscriptions and filters may use together (each costs a trial decryption per envelope). */
  maxWatcherKeys?: number;
}

type Handler = (a: unknown[], ctx: CallContext) => Promise<unknown>;
/** Every node method but the settings, always; the settings only where a node admin exists. */
type Handlers = Record<OwnMethod, Handler> & Partial<Record<AdminMethod, Handler>>;
/** The methods with a handler here: every node method but the settings and the queries. */
type OwnMethod = Exclude<NodeMethod, AdminMethod | QueryMethod>;

export class ShhApi {
  readonly #node: NodeRoles;
  readonly #keys: KeyStore;
  readonly #random: (n: number) => Uint8Array;
  readonly #now: () => number;
  readonly #netVersion: string;
  readonly #watchers: Watchers;
  readonly #methods: Handlers;
  /** Posts still sealing, by session and postId (or an internal key): what shh_cancelPost and endSession abort. */
  readonly #posts = new Map<string, AbortController>();
  #unnamed = 0;
  #unlisten: (() => void) | undefined;

  constructor(init: ShhApiInit) {
    this.#node = init.node;
    this.#random = init.randomBytes;
    this.#keys = init.keys ?? new MemoryKeyStore(init.randomBytes);
    this.#now = init.now ?? Date.now;
    this.#netVersion = init.netVersion ?? '0';
    this.#watchers = new Watchers({
      envelopes: (topics) => this.#node.feed.envelopes(topics),
      ...(init.node.feed.watch ? { watch: (topics: readonly Uint8Array[] | undefined) => init.node.feed.watch!(topics) } : {}),
      filtersEndWithSession: init.filtersEndWithSession ?? !init.node.admin,
      ...(init.maxWatcherKeys !== undefined ? { maxKeys: init.maxWatcherKeys } : {}),
    });
    this.#methods = { ...this.#table(), ...(init.node.admin ? adminTable(init.node.admin) : {}) };
  }

  start(): void {
    this.#unlisten ??= this.#node.feed.onEnvelope((e, p2p) => this.#watchers.dispatch(e, p2p));
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = undefined;
  }

  /** Runs one method; resolves to its JSON result or rejects with an RpcError. */
  async call(method: string, params: unknown, ctx: CallContext): Promise<unknown> {
    const spec = methodSpec(method);
    if (spec?.handler === 'query' && isNodeQuery(method)) return this.#query(method, params);
    if (!spec || spec.handler !== 'node') throw new RpcError(RPC.methodNotFound, `the method ${String(method)} does not exist/is not available`);
    const handler = this.#methods[method as OwnMethod | AdminMethod];
    if (!handler) throw new RpcError(RPC.unauthorized, `${method} changes node settings and is reserved to the node's user`);
    try {
      const a = method === 'shh_subscribe' ? subscribeArgs(params, ctx) : args(params, method);
      return await handler(a, ctx);
    } catch (e) {
      throw toRpcError(e);
    }
  }

  /** A node query: geth's arity (the table's), the query's own guard, then the node's Whisper service. */
  async #query(name: NodeQueryName, params: unknown): Promise<unknown> {
    try {
      const a = args(params, name);
      if (!nodeQueryGuards[name](a)) throw invalidParams(`invalid params for ${name}`);
      return await this.#node.query.query(name, a);
    } catch (e) {
      throw toRpcError(e);
    }
  }

  /** Drops a session's watchers and cancels its posts that are still sealing (a closed page). */
  endSession(session: string): void {
    this.#watchers.endSession(session);
    for (const [key, controller] of this.#posts) if (key.startsWith(`${session}\u0000`)) controller.abort();
  }

  #table(): Record<OwnMethod, Handler> {
    const keys = this.#keys;
    const node = this.#node.status;
    const id = (a: unknown[]) => str(a[0], ARG0);
    return {
      shh_version: async () => PROTOCOL_VERSION,
      shh_info: async () => ({ ...node.info(), minPow: node.minPow(), maxMessageSize: node.maxMessageSize() }),
      shh_newKeyPair: () => keys.newKeyPair(),
      shh_addPrivateKey: (a) => keys.addPrivateKey(bytes(a[0], ARG0)),
      shh_deleteKeyPair: async (a) => {
        const k = id(a);
        if (await keys.deleteKeyPair(k)) return true;
        throw whisperFailure(`key pair ${k} not found`);
      },
      shh_hasKeyPair: (a) => keys.hasKeyPair(id(a)),
      shh_getPublicKey: async (a) => toHex(publicKeyOf(await this.#privateKey(id(a)))),
      shh_getPrivateKey: async (a) => {
        const k = await keys.exportPrivateKey(id(a));
        if (!k) throw whisperFailure(ERR.privateKeyNotFound);
        return toHex(k);
      },
      shh_newSymKey: () => keys.addSymKey(this.#random(32)),
      shh_addSymKey: (a) => keys.addSymKey(bytes(a[0], ARG0)),
      shh_generateSymKeyFromPassword: async (a) => keys.addSymKey(await symKeyFromPassword(str(a[0], ARG0))),
      shh_hasSymKey: (a) => keys.hasSymKey(id(a)),
      shh_getSymKey: async (a) => toHex(await this.#symKey(id(a))),
      shh_deleteSymKey: (a) => keys.deleteSymKey(id(a)),
      shh_post: (a, ctx) => this.#post(struct(a[0], NEW_MESSAGE, 'NewMessage', 0), ctx),
      shh_cancelPost: async (a, ctx) => {
        const controller = this.#posts.get(postKey(ctx.session, id(a)));
        if (!controller || controller.signal.aborted) return false;
        controller.abort();
        return true;
      },
      shh_subscribe: async (a, ctx) => {
        const criteria = await this.#criteria(struct(a[1], CRITERIA, 'Criteria', 1), 'subscription');
        const subId = newSubscriptionId(this.#random);
        const notify = ctx.notify!; // subscribeArgs checked it
        await this.#watchers.subscribe(subId, ctx.session, criteria, (m) =>
          notify('shh_subscription', { subscription: subId, result: messageToJson(m) }),
        );
        return subId;
      },
      shh_unsubscribe: async (a, ctx) => {
        // geth: a subscription belongs to its connection; another one gets "not found".
        if (this.#watchers.remove(id(a), 'subscription', ctx.session)) return true;
        throw whisperFailure(ERR.subscriptionNotFound);
      },
      shh_newMessageFilter: async (a, ctx) => {
        const criteria = await this.#criteria(struct(a[0], CRITERIA, 'Criteria', 0), 'filter');
        const filterId = newKeyId(this.#random);
        await this.#watchers.newFilter(filterId, ctx.session, criteria);
        return filterId;
      },
      shh_getFilterMessages: async (a) => {
        const messages = this.#watchers.take(id(a));
        if (!messages) throw whisperFailure(ERR.filterNotFound);
        return messages.map(messageToJson);
      },
      shh_deleteMessageFilter: async (a) => {
        if (this.#watchers.remove(id(a), 'filter')) return true;
        throw whisperFailure(ERR.unsubscribeInvalidId);
      },
      net_version: async () => this.#netVersion,
    };
  }

  /** Throttled shh_postProgress notifications for a named post. */
  #progressReporter(
    postId: string,
    params: { expiry: number; ttl: number; topic: Uint8Array; data: Uint8Array },
    powTarget: number,
    notify: (method: string, params: unknown) => void,
  ): (p: SealProgress) => void {
    // What a progress bar can honestly show: tries so far against the expected number of tries,
    // 2^(leading zero bits the target needs) for this envelope's size and TTL.
    const expectedHashes = powTarget > 0 ? 2 ** zerosForTarget(powTarget, encodeShort(params).length, params.ttl) : 0;
    let last = -Infinity;
    return (p) => {
      const now = this.#now();
      if (now - last < POST_PROGRESS_INTERVAL_MS) return;
      last = now;
      const { hashes, bestPow, elapsedMs } = p;
      notify('shh_postProgress', { postId, hashes, expectedHashes, bestPow, targetPow: powTarget, elapsedMs });
    };
  }

  async #privateKey(id: string): Promise<Uint8Array> {
    const k = await this.#keys.privateKey(id);
    if (!k) throw whisperFailure(ERR.privateKeyNotFound);
    return k;
  }

  async #symKey(id: string): Promise<Uint8Array> {
    const k = await this.#keys.symKey(id);
    if (!k) throw whisperFailure(ERR.symKeyNotFound);
    return k;
  }

  /**
   * geth's checks of a Criteria, in geth's order. The two methods differ as geth's do: a subscription
   * needs topics with a symmetric key and calls an unknown private key "invalid public key"; a filter
   * without topics matches every topic and calls it "invalid id".
   */
  async #criteria(c: Record<string, unknown>, kind: 'subscription' | 'filter'): Promise<FilterCriteria> {
    const symKeyId = (c.symKeyID as string | undefined) ?? '';
    const privateKeyId = (c.privateKeyID as string | undefined) ?? '';
    if ((symKeyId === '') === (privateKeyId === '')) throw whisperFailure(ERR.symAsym);
    const sig = c.sig as Uint8Array | undefined;
    if (sig && sig.length > 0 && !isValidPublicKey(sig)) throw whisperFailure(ERR.invalidSigningPubKey);
    const topics = (c.topics as Uint8Array[] | undefined) ?? [];
    if (topics.length > MAX_WATCHER_TOPICS) throw invalidParams(`invalid argument topics: at most ${MAX_WATCHER_TOPICS}`);
    const base = {
      topics,
      minPow: (c.minPow as number | undefined) ?? 0,
      allowP2P: (c.allowP2P as boolean | undefined) ?? false,
      ...(sig && sig.length > 0 ? { signer: sig } : {}),
    };
    if (symKeyId !== '') {
      if (kind === 'subscription' && topics.length === 0) throw whisperFailure(ERR.noTopics);
      const symKey = await this.#symKey(symKeyId);
      if (!isValidSymKey(symKey)) throw whisperFailure(ERR.invalidSymKey);
      return { ...base, symKey };
    }
    const privateKey = await this.#keys.privateKey(privateKeyId);
    if (!privateKey) throw whisperFailure(kind === 'subscription' ? ERR.invalidPublicKey : ERR.privateKeyNotFound);
    return { ...base, privateKey };
  }

  /** geth's Post: checks in geth's order, but the node's minimum PoW and size are checked before sealing, not after. */
  async #post(m: Record<string, unknown>, ctx: CallContext): Promise<string> {
    const postId = m.postId as string | undefined;
    // Unnamed posts are tracked too (under a key no postId can spell), so a closed page stops them all.
    const key = postKey(ctx.session, postId ?? `\u0001${this.#unnamed++}`);
    if (this.#posts.has(key)) throw invalidParams(`invalid argument postId: ${postId} is still being posted`);
    const controller = new AbortController();
    this.#posts.set(key, controller);
    try {
      return await this.#postOnce(m, postId === undefined ? undefined : { postId, signal: controller.signal }, ctx, controller.signal);
    } finally {
      this.#posts.delete(key);
    }
  }

  async #postOnce(
    m: Record<string, unknown>,
    named: { postId: string; signal: AbortSignal } | undefined,
    ctx: CallContext,
    signal: AbortSignal,
  ): Promise<string> {
    const symKeyId = (m.symKeyID as string | undefined) ?? '';
    const pubKey = (m.pubKey as Uint8Array | undefined) ?? new Uint8Array(0);
    if ((symKeyId === '') === (pubKey.length === 0)) throw whisperFailure(ERR.symAsym);
    const ttl = (m.ttl as number | undefined) || DEFAULT_TTL;
    const t = (m.topic as Uint8Array | undefined) ?? new Uint8Array(4);
    const payload = (m.payload as Uint8Array | undefined) ?? new Uint8Array(0);
    const padding = m.padding as Uint8Array | undefined;
    const powTime = (m.powTime as number | undefined) ?? 0;
    const powTarget = (m.powTarget as number | undefined) ?? 0;
    const sigId = (m.sig as string | undefined) ?? '';
    const p: PayloadParams = {
      payload,
      ...(padding && padding.length > 0 ? { padding } : {}),
      ...(sigId !== '' ? { signer: await this.#privateKey(sigId) } : {}),
    };
    let data: Uint8Array;
    if (symKeyId !== '') {
      if (isZeroTopic(t)) throw whisperFailure(ERR.noTopics);
      const key = await this.#symKey(symKeyId);
      if (!isValidSymKey(key)) throw whisperFailure(ERR.invalidSymKey);
      data = sealSymmetric(p, key, this.#random);
    } else {
      if (!isValidPublicKey(pubKey)) throw whisperFailure(ERR.invalidPublicKey);
      data = sealAsymmetric(p, pubKey, this.#random);
    }
    // A dark post never goes out less dark in silence (docs/PROTOCOL.md §7): refused before the work.
    const dark = await this.#darkSender(m.dark as boolean | undefined);
    if (((m.targetPeer as string | undefined) ?? '') !== '')
      throw whisperFailure('targetPeer is not supported: every envelope goes to the whole network');
    if (powTarget < this.#node.status.minPow()) throw whisperFailure(ERR.tooLowPow);
    const expiry = Math.floor(this.#now() / 1000) + ttl;
    const params = { expiry, ttl, topic: t, data };
    if (envelopeSize(params) > this.#node.status.maxMessageSize()) throw whisperFailure(ERR.tooLarge);
    const onProgress = named && ctx.notify ? this.#progressReporter(named.postId, params, powTarget, ctx.notify) : undefined;
    let envelope: Envelope;
    try {
      envelope = await this.#node.sealer.seal(params, {
        target: powTarget,
        timeMs: powTime * 1000,
        signal,
        ...(onProgress ? { onProgress } : {}),
      });
    } catch (e) {
      if (named?.signal.aborted) throw whisperFailure(ERR.postCancelled);
      throw e;
    }
    if (named?.signal.aborted) throw whisperFailure(ERR.postCancelled);
    const verified = dark ? await dark.postDark(envelope) : await this.#node.publisher.post(envelope);
    return toHex(verified.hash);
  }

  /** The dark sender a post goes through (undefined: the plain path), or the -32000 why it cannot. */
  async #darkSender(asked: boolean | undefined): Promise<DarkSender | undefined> {
    const d = this.#node.dark;
    // "Always dark" wins over the site's dark: false and over the default alike.
    const dark = asked === true || (d !== undefined && (d.alwaysDark?.() === true || (asked === undefined && d.darkByDefault?.() === true)));
    if (!dark) return undefined;
    if (!d) throw whisperFailure('dark posts need the mix layer, which this node does not have');
    const why = await d.unavailable?.();
    if (why !== undefined) throw whisperFailure(`dark post not sent: ${why}`);
    return d;
  }
}

const postKey = (session: string, postId: string): string => `${session}\u0000${postId}`;

const ARG0 = { arg: 0 } as const;

/**
 * geth's order for a subscription: a transport that can push, then an array whose first item names
 * a known subscription (rpc/handler.go handleSubscribe), then the arguments themselves.
 */
function subscribeArgs(params: unknown, ctx: CallContext): unknown[] {
  if (!ctx.notify) throw whisperFailure(ERR.notificationsUnsupported);
  if (!Array.isArray(params)) throw invalidParams('non-array args');
  const name: unknown = params[0];
  if (typeof name !== 'string') throw invalidParams('expected subscription name as first argument');
  if (name !== 'messages') throw new RpcError(RPC.methodNotFound, `no ${JSON.stringify(name)} subscription in shh namespace`);
  return args(params, 'shh_subscribe');
}
