// The geth conformance table as data (docs/GETH-CONFORMANCE.md explains each rule): what geth
// v1.9.20 answers to each shh_* call, derived from its sources (whisper/whisperv6/api.go, whisper.go,
// common/hexutil/json.go, rpc/json.go, rpc/handler.go). test/api/shh-conformance.test.ts runs it over
// ShhApi (the layer window.shh uses), test/relay/rpc-conformance.test.ts over a relay's JSON-RPC.
// Strings starting with `$` are fixtures each surface makes first (see Fixture); rows run in order.

export interface Fixture {
  $sym: string; // shh_newSymKey
  $zeroSym: string; // shh_addSymKey of 32 zero bytes: geth stores it and refuses it on use
  $pair: string; // shh_newKeyPair
  $pub: string; // its public key
  $pubUpper: string; // the same with a 0X prefix
  $priv: string; // a private key to import
  $filter: string; // shh_newMessageFilter on $pair
  $filterDel: string; // another, for shh_deleteMessageFilter
}

export type Expect =
  | { result: unknown } // deep-equal
  | { like: 'id' | 'hash' | 'subId' | 'boolean' | 'quantity' | 'string' | 'messages' }
  | { error: [code: number, message: string] };

export interface Row {
  name: string;
  method: string;
  /** The request's params member; `absent` leaves it out. */
  params: unknown;
  expect: Expect;
  /** Needs a transport that pushes (a WebSocket, a page's Port), or one that does not (HTTP). */
  transport?: 'push' | 'http';
  /** A node setting: a page's API answers 4100 instead. */
  admin?: true;
}

export const ABSENT = Symbol('absent');
export const PRIV = '0x4b50fa71f5c3eeb8fdc452224b2395af2fcc3d125e06c32c82e048c0559db03f';
const ZERO_KEY = '0x' + '00'.repeat(32);
const T = '0x01020304';
const ok = { powTarget: 0.2, powTime: 10, ttl: 10 };
const SYM_ASYM = 'specify either a symmetric or an asymmetric key';
const E = (code: number, message: string): Expect => ({ error: [code, message] });
const P = (message: string): Expect => E(-32602, message);
const W = (message: string): Expect => E(-32000, message);
const tooMany = (n: number) => P(`too many arguments, want at most ${n}`);
const missing = (i: number) => P(`missing value for required argument ${i}`);
const goType = (arg: number, value: string, type: string) => P(`invalid argument ${arg}: json: cannot unmarshal ${value} into Go value of type ${type}`);
const goField = (arg: number, value: string, field: string, type: string) =>
  P(`invalid argument ${arg}: json: cannot unmarshal ${value} into Go struct field ${field} of type ${type}`);

export const ROWS: Row[] = [
  // Arguments (rpc/json.go parsePositionalArguments).
  { name: 'params absent', method: 'shh_version', params: ABSENT, expect: { result: '6.0' } },
  { name: 'params null', method: 'shh_version', params: null, expect: { result: '6.0' } },
  { name: 'params []', method: 'shh_version', params: [], expect: { result: '6.0' } },
  { name: 'an extra argument', method: 'shh_version', params: ['x'], expect: tooMany(0) },
  { name: 'params an object', method: 'shh_version', params: {}, expect: P('non-array args') },
  { name: 'params a string', method: 'shh_hasKeyPair', params: 'x', expect: P('non-array args') },
  { name: 'a missing argument', method: 'shh_hasKeyPair', params: [], expect: missing(0) },
  { name: 'null for a string is ""', method: 'shh_hasKeyPair', params: [null], expect: { result: false } },
  { name: 'one argument too many', method: 'shh_hasKeyPair', params: ['$pair', 1], expect: tooMany(1) },
  { name: 'a number for a string', method: 'shh_hasKeyPair', params: [42], expect: goType(0, 'number', 'string') },
  { name: 'an object for a string', method: 'shh_getSymKey', params: [{}], expect: goType(0, 'object', 'string') },
  { name: 'unknown method', method: 'shh_makeLightClient', params: [], expect: E(-32601, 'the method shh_makeLightClient does not exist/is not available') },
  { name: 'no-argument method with args', method: 'shh_newKeyPair', params: ['x'], expect: tooMany(0) },

  // Key pairs.
  { name: 'has a key pair', method: 'shh_hasKeyPair', params: ['$pair'], expect: { result: true } },
  { name: 'public key', method: 'shh_getPublicKey', params: ['$pair'], expect: { result: '$pub' } },
  { name: 'public key of ""', method: 'shh_getPublicKey', params: [''], expect: W('invalid id') },
  { name: 'private key of an unknown id', method: 'shh_getPrivateKey', params: ['nope'], expect: W('invalid id') },
  { name: 'delete an unknown pair', method: 'shh_deleteKeyPair', params: ['nope'], expect: W('key pair nope not found') },
  { name: 'delete null (the id "")', method: 'shh_deleteKeyPair', params: [null], expect: W('key pair  not found') },
  { name: 'import a private key', method: 'shh_addPrivateKey', params: [PRIV], expect: { like: 'id' } },
  { name: 'import with 0X', method: 'shh_addPrivateKey', params: ['0X' + PRIV.slice(2)], expect: { like: 'id' } },
  { name: 'import "" (empty bytes)', method: 'shh_addPrivateKey', params: [''], expect: W('invalid length, need 256 bits') },
  { name: 'import 32 zero bytes', method: 'shh_addPrivateKey', params: [ZERO_KEY], expect: W('invalid private key') },
  { name: 'import null', method: 'shh_addPrivateKey', params: [null], expect: goType(0, 'non-string', 'hexutil.Bytes') },
  { name: 'import a number', method: 'shh_addPrivateKey', params: [1], expect: goType(0, 'non-string', 'hexutil.Bytes') },
  { name: 'import without 0x', method: 'shh_addPrivateKey', params: [PRIV.slice(2)], expect: goType(0, 'hex string without 0x prefix', 'hexutil.Bytes') },
  { name: 'import odd length', method: 'shh_addPrivateKey', params: ['0x123'], expect: goType(0, 'hex string of odd length', 'hexutil.Bytes') },
  { name: 'import bad digits', method: 'shh_addPrivateKey', params: ['0xzz'], expect: goType(0, 'invalid hex string', 'hexutil.Bytes') },

  // Symmetric keys.
  { name: 'has a sym key', method: 'shh_hasSymKey', params: ['$sym'], expect: { result: true } },
  { name: 'has an unknown sym key', method: 'shh_hasSymKey', params: ['nope'], expect: { result: false } },
  { name: 'an all-zero key is stored', method: 'shh_getSymKey', params: ['$zeroSym'], expect: { result: ZERO_KEY } },
  { name: 'add "" (empty bytes)', method: 'shh_addSymKey', params: [''], expect: W('wrong key size: 0') },
  { name: 'add 2 bytes', method: 'shh_addSymKey', params: ['0x1122'], expect: W('wrong key size: 2') },
  { name: 'get an unknown sym key', method: 'shh_getSymKey', params: ['nope'], expect: W('non-existent key ID') },
  { name: 'delete an unknown sym key', method: 'shh_deleteSymKey', params: ['nope'], expect: { result: false } },
  { name: 'password null (the empty password)', method: 'shh_generateSymKeyFromPassword', params: [null], expect: { like: 'id' } },
  { name: 'password a number', method: 'shh_generateSymKeyFromPassword', params: [1], expect: goType(0, 'number', 'string') },

  // shh_post (api.go Post; its order: keys given, sig, symmetric (topic, key, key integrity), public key, PoW).
  { name: 'post: no message', method: 'shh_post', params: [], expect: missing(0) },
  { name: 'post: null message', method: 'shh_post', params: [null], expect: W(SYM_ASYM) },
  { name: 'post: {}', method: 'shh_post', params: [{}], expect: W(SYM_ASYM) },
  { name: 'post: a string', method: 'shh_post', params: ['x'], expect: goType(0, 'string', 'whisperv6.NewMessage') },
  { name: 'post: both keys', method: 'shh_post', params: [{ symKeyID: '$sym', pubKey: '$pub', topic: T }], expect: W(SYM_ASYM) },
  { name: 'post: both keys empty', method: 'shh_post', params: [{ symKeyID: '', pubKey: '' }], expect: W(SYM_ASYM) },
  { name: 'post: to a public key', method: 'shh_post', params: [{ pubKey: '$pub', ...ok }], expect: { like: 'hash' } },
  {
    name: 'post: empty optional strings are absent',
    method: 'shh_post',
    params: [{ pubKey: '$pub', symKeyID: '', sig: '', payload: '', padding: '', targetPeer: '', ...ok }],
    expect: { like: 'hash' },
  },
  { name: 'post: nulls are absent', method: 'shh_post', params: [{ pubKey: '$pub', symKeyID: null, sig: null, topic: null, payload: null, ...ok }], expect: { like: 'hash' } },
  { name: 'post: 0X public key', method: 'shh_post', params: [{ pubKey: '$pubUpper', ...ok }], expect: { like: 'hash' } },
  { name: 'post: field names fold case', method: 'shh_post', params: [{ PUBKEY: '$pub', PowTarget: 0.2, powtime: 10, TTL: 10 }], expect: { like: 'hash' } },
  { name: 'post: unknown fields are ignored', method: 'shh_post', params: [{ pubKey: '$pub', whatever: [1], ...ok }], expect: { like: 'hash' } },
  { name: 'post: symmetric', method: 'shh_post', params: [{ symKeyID: '$sym', topic: T, payload: '0x01', ...ok }], expect: { like: 'hash' } },
  { name: 'post: symmetric, signed', method: 'shh_post', params: [{ symKeyID: '$sym', sig: '$pair', topic: T, ...ok }], expect: { like: 'hash' } },
  { name: 'post: symmetric without topic', method: 'shh_post', params: [{ symKeyID: '$sym', ...ok }], expect: W('missing topic(s)') },
  { name: 'post: symmetric, zero topic', method: 'shh_post', params: [{ symKeyID: '$sym', topic: '0x00000000', ...ok }], expect: W('missing topic(s)') },
  { name: 'post: sig checked before the topic', method: 'shh_post', params: [{ symKeyID: '$sym', sig: 'nope' }], expect: W('invalid id') },
  { name: 'post: topic checked before the key', method: 'shh_post', params: [{ symKeyID: 'nope' }], expect: W('missing topic(s)') },
  { name: 'post: unknown sym key', method: 'shh_post', params: [{ symKeyID: 'nope', topic: T }], expect: W('non-existent key ID') },
  { name: 'post: all-zero sym key', method: 'shh_post', params: [{ symKeyID: '$zeroSym', topic: T, ...ok }], expect: W('invalid symmetric key') },
  { name: 'post: bad public key', method: 'shh_post', params: [{ pubKey: '0x0401', ...ok }], expect: W('invalid public key') },
  { name: 'post: PoW below the minimum', method: 'shh_post', params: [{ pubKey: '$pub', powTarget: 0.1, powTime: 10 }], expect: W('message rejected, PoW too low') },
  { name: 'post: no PoW', method: 'shh_post', params: [{ pubKey: '$pub' }], expect: W('message rejected, PoW too low') },
  { name: 'post: topic of 3 bytes', method: 'shh_post', params: [{ pubKey: '$pub', topic: '0x010203' }], expect: P('invalid argument 0: hex string has length 6, want 8 for Topic') },
  { name: 'post: topic ""', method: 'shh_post', params: [{ pubKey: '$pub', topic: '' }], expect: P('invalid argument 0: hex string has length 0, want 8 for Topic') },
  { name: 'post: topic without 0x', method: 'shh_post', params: [{ pubKey: '$pub', topic: '01020304' }], expect: P('invalid argument 0: hex string without 0x prefix') },
  { name: 'post: topic with 0X', method: 'shh_post', params: [{ pubKey: '$pub', topic: '0X01020304', ...ok }], expect: { like: 'hash' } },
  { name: 'post: payload without 0x', method: 'shh_post', params: [{ pubKey: '$pub', payload: 'abcd' }], expect: goField(0, 'hex string without 0x prefix', 'NewMessage.payload', 'hexutil.Bytes') },
  { name: 'post: pubKey a number', method: 'shh_post', params: [{ pubKey: 4 }], expect: goField(0, 'non-string', 'NewMessage.pubKey', 'hexutil.Bytes') },
  { name: 'post: ttl -1', method: 'shh_post', params: [{ pubKey: '$pub', ttl: -1 }], expect: goField(0, 'number -1', 'NewMessage.ttl', 'uint32') },
  { name: 'post: ttl 1.5', method: 'shh_post', params: [{ pubKey: '$pub', ttl: 1.5 }], expect: goField(0, 'number 1.5', 'NewMessage.ttl', 'uint32') },
  { name: 'post: ttl a string', method: 'shh_post', params: [{ pubKey: '$pub', ttl: '60' }], expect: goField(0, 'string', 'NewMessage.ttl', 'uint32') },
  { name: 'post: powTarget a string', method: 'shh_post', params: [{ pubKey: '$pub', powTarget: '1' }], expect: goField(0, 'string', 'NewMessage.powTarget', 'float64') },
  { name: 'post: symKeyID a number', method: 'shh_post', params: [{ symKeyID: 5 }], expect: goField(0, 'number', 'NewMessage.symKeyID', 'string') },
  { name: 'post: first type error in document order', method: 'shh_post', params: [{ ttl: 'x', powTarget: 'y' }], expect: goField(0, 'string', 'NewMessage.ttl', 'uint32') },
  { name: 'post: a hex error wins over an earlier type error', method: 'shh_post', params: [{ ttl: 'x', payload: 'zz' }], expect: goField(0, 'hex string without 0x prefix', 'NewMessage.payload', 'hexutil.Bytes') },
  { name: 'post (beyond geth): dark: true without a mix layer', method: 'shh_post', params: [{ pubKey: '$pub', dark: true, ...ok }], expect: W('dark posts need the mix layer, which this node does not have') },
  { name: 'post (beyond geth): dark: false', method: 'shh_post', params: [{ pubKey: '$pub', dark: false, ...ok }], expect: { like: 'hash' } },
  { name: 'post: too many arguments', method: 'shh_post', params: [{}, {}], expect: tooMany(1) },

  // shh_subscribe (rpc/handler.go handleSubscribe, then api.go Messages).
  { name: 'subscribe: over HTTP', method: 'shh_subscribe', params: [], transport: 'http', expect: W('notifications not supported') },
  { name: 'subscribe', method: 'shh_subscribe', params: ['messages', { symKeyID: '$sym', topics: [T] }], transport: 'push', expect: { like: 'subId' } },
  { name: 'subscribe: private key, every topic', method: 'shh_subscribe', params: ['messages', { privateKeyID: '$pair' }], transport: 'push', expect: { like: 'subId' } },
  { name: 'subscribe: sig "" is absent', method: 'shh_subscribe', params: ['messages', { privateKeyID: '$pair', sig: '' }], transport: 'push', expect: { like: 'subId' } },
  { name: 'subscribe: params absent', method: 'shh_subscribe', params: ABSENT, transport: 'push', expect: P('non-array args') },
  { name: 'subscribe: no name', method: 'shh_subscribe', params: [], transport: 'push', expect: P('expected subscription name as first argument') },
  { name: 'subscribe: null name', method: 'shh_subscribe', params: [null, {}], transport: 'push', expect: P('expected subscription name as first argument') },
  { name: 'subscribe: unknown kind', method: 'shh_subscribe', params: ['envelopes', {}], transport: 'push', expect: E(-32601, 'no "envelopes" subscription in shh namespace') },
  { name: 'subscribe: no criteria', method: 'shh_subscribe', params: ['messages'], transport: 'push', expect: missing(1) },
  { name: 'subscribe: too many', method: 'shh_subscribe', params: ['messages', {}, 1], transport: 'push', expect: tooMany(2) },
  { name: 'subscribe: null criteria', method: 'shh_subscribe', params: ['messages', null], transport: 'push', expect: W(SYM_ASYM) },
  { name: 'subscribe: sym without topics', method: 'shh_subscribe', params: ['messages', { symKeyID: '$sym' }], transport: 'push', expect: W('missing topic(s)') },
  { name: 'subscribe: unknown sym key', method: 'shh_subscribe', params: ['messages', { symKeyID: 'nope', topics: [T] }], transport: 'push', expect: W('non-existent key ID') },
  { name: 'subscribe: all-zero sym key', method: 'shh_subscribe', params: ['messages', { symKeyID: '$zeroSym', topics: [T] }], transport: 'push', expect: W('invalid symmetric key') },
  { name: 'subscribe: unknown private key', method: 'shh_subscribe', params: ['messages', { privateKeyID: 'nope' }], transport: 'push', expect: W('invalid public key') },
  { name: 'subscribe: bad signer', method: 'shh_subscribe', params: ['messages', { privateKeyID: '$pair', sig: '0x0401' }], transport: 'push', expect: W('invalid signing public key') },
  { name: 'subscribe: 2-byte topic', method: 'shh_subscribe', params: ['messages', { privateKeyID: '$pair', topics: ['0x0102'] }], transport: 'push', expect: P('invalid argument 1: hex string has length 4, want 8 for Topic') },
  { name: 'unsubscribe: unknown', method: 'shh_unsubscribe', params: ['0x1'], expect: W('subscription not found') },
  { name: 'unsubscribe: no id', method: 'shh_unsubscribe', params: [], expect: missing(0) },

  // Polled filters (api.go NewMessageFilter: keys given, sig, symmetric key and integrity, private key).
  { name: 'filter: sym key without topics', method: 'shh_newMessageFilter', params: [{ symKeyID: '$sym' }], expect: { like: 'id' } },
  { name: 'filter: nulls are absent', method: 'shh_newMessageFilter', params: [{ symKeyID: '$sym', topics: null, sig: null, minPow: null, allowP2P: null }], expect: { like: 'id' } },
  { name: 'filter: {}', method: 'shh_newMessageFilter', params: [{}], expect: W(SYM_ASYM) },
  { name: 'filter: both keys', method: 'shh_newMessageFilter', params: [{ symKeyID: '$sym', privateKeyID: '$pair' }], expect: W(SYM_ASYM) },
  { name: 'filter: unknown sym key', method: 'shh_newMessageFilter', params: [{ symKeyID: 'nope' }], expect: W('non-existent key ID') },
  { name: 'filter: all-zero sym key', method: 'shh_newMessageFilter', params: [{ symKeyID: '$zeroSym' }], expect: W('invalid symmetric key') },
  { name: 'filter: unknown private key', method: 'shh_newMessageFilter', params: [{ privateKeyID: 'nope' }], expect: W('invalid id') },
  { name: 'filter: bad signer before the key', method: 'shh_newMessageFilter', params: [{ symKeyID: 'nope', sig: '0x0401' }], expect: W('invalid signing public key') },
  { name: 'filter: topics a string', method: 'shh_newMessageFilter', params: [{ symKeyID: '$sym', topics: T }], expect: goField(0, 'string', 'Criteria.topics', '[]whisperv6.TopicType') },
  { name: 'filter: allowP2P a number', method: 'shh_newMessageFilter', params: [{ symKeyID: '$sym', allowP2P: 1 }], expect: goField(0, 'number', 'Criteria.allowP2P', 'bool') },
  { name: 'filter: sig without 0x', method: 'shh_newMessageFilter', params: [{ symKeyID: '$sym', sig: '04' }], expect: goField(0, 'hex string without 0x prefix', 'Criteria.sig', 'hexutil.Bytes') },
  { name: 'filter messages (the posts above to $pub)', method: 'shh_getFilterMessages', params: ['$filter'], expect: { like: 'messages' } },
  { name: 'filter messages drained', method: 'shh_getFilterMessages', params: ['$filter'], expect: { result: [] } },
  { name: 'filter messages: unknown', method: 'shh_getFilterMessages', params: ['nope'], expect: W('filter not found') },
  { name: 'filter messages: no id', method: 'shh_getFilterMessages', params: [], expect: missing(0) },
  { name: 'delete a filter', method: 'shh_deleteMessageFilter', params: ['$filterDel'], expect: { result: true } },
  { name: 'delete it again', method: 'shh_deleteMessageFilter', params: ['$filterDel'], expect: W('Unsubscribe: Invalid ID') },
  { name: 'delete an unknown filter', method: 'shh_deleteMessageFilter', params: ['nope'], expect: W('Unsubscribe: Invalid ID') },

  // Node settings (the relay's operator; a page gets 4100). Only refused values: the node keeps its settings.
  { name: 'setMinPoW -1', method: 'shh_setMinPoW', params: [-1], admin: true, expect: W('invalid PoW: -1.000000') },
  { name: 'setMinPoW a string', method: 'shh_setMinPoW', params: ['1'], admin: true, expect: goType(0, 'string', 'float64') },
  { name: 'setMaxMessageSize -1', method: 'shh_setMaxMessageSize', params: [-1], admin: true, expect: goType(0, 'number -1', 'uint32') },
  { name: 'setBloomFilter ""', method: 'shh_setBloomFilter', params: [''], admin: true, expect: W('invalid bloom filter size: 0') },
  { name: 'setBloomFilter null', method: 'shh_setBloomFilter', params: [null], admin: true, expect: goType(0, 'non-string', 'hexutil.Bytes') },

  // net_* and info.
  { name: 'net_listening', method: 'net_listening', params: [], expect: { like: 'boolean' } },
  { name: 'net_peerCount', method: 'net_peerCount', params: [], expect: { like: 'quantity' } },
  { name: 'net_version', method: 'net_version', params: [], expect: { like: 'string' } },
  { name: 'net_version with args', method: 'net_version', params: [1], expect: tooMany(0) },
];

/** Replaces `$name` strings (anywhere in params or an expected result) by the fixture's values. */
export function fill<T>(v: T, f: Fixture): T {
  if (typeof v === 'string' && v.startsWith('$') && v in f) return f[v as keyof Fixture] as T;
  if (Array.isArray(v)) return v.map((x) => fill(x, f)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, f)])) as T;
  return v;
}

export const LIKE: Record<string, (v: unknown) => boolean> = {
  id: (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v),
  hash: (v) => typeof v === 'string' && /^0x[0-9a-f]{64}$/.test(v),
  subId: (v) => typeof v === 'string' && /^0x[1-9a-f][0-9a-f]{0,31}$/.test(v),
  boolean: (v) => typeof v === 'boolean',
  quantity: (v) => typeof v === 'string' && /^0x(0|[1-9a-f][0-9a-f]*)$/.test(v),
  string: (v) => typeof v === 'string',
  // geth's Message JSON (gen_message_json.go): its keys in its order; sig only when signed (these are not).
  messages: (v) =>
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((m) => Object.keys(m).join() === 'ttl,timestamp,topic,payload,padding,pow,hash,recipientPublicKey'),
};

/** Makes the fixture through `call` (any surface). */
export async function makeFixture(call: (method: string, params: unknown[]) => Promise<unknown>): Promise<Fixture> {
  const $pair = (await call('shh_newKeyPair', [])) as string;
  const $pub = (await call('shh_getPublicKey', [$pair])) as string;
  return {
    $sym: (await call('shh_newSymKey', [])) as string,
    $zeroSym: (await call('shh_addSymKey', [ZERO_KEY])) as string,
    $pair,
    $pub,
    $pubUpper: '0X' + $pub.slice(2),
    $priv: PRIV,
    $filter: (await call('shh_newMessageFilter', [{ privateKeyID: $pair }])) as string,
    $filterDel: (await call('shh_newMessageFilter', [{ privateKeyID: $pair }])) as string,
  };
}
