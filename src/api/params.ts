// shh_* JSON parameters decoded as geth 1.9 decodes them (rpc/json.go parsePositionalArguments, Go's
// encoding/json, common/hexutil, whisperv6's gencodec structs), so a DApp gets the same answer from
// us as from a geth node: docs/GETH-CONFORMANCE.md is the table. Rules kept here:
// - params: absent or null = no arguments; anything but an array is "non-array args"; more than the
//   method takes is "too many arguments, want at most N"; fewer is "missing value for required argument i".
// - null (or undefined) as an argument or a struct field is Go's zero value / an absent field; for a
//   top-level bytes argument it is an error (hexutil.Bytes refuses non-strings).
// - bytes: "" and "0x" are empty (an empty optional field is therefore absent); 0x or 0X prefix.
//   Topics: exactly 4 bytes, "" refused.
// - struct keys match case-insensitively (Go does), unknown keys are ignored, and the first error in
//   document order wins, except that a hex error stops at once (Go saves type errors but returns
//   Unmarshaler errors immediately).
// Every failure is RpcError -32602 "invalid argument i: ..." with geth's wording.

import { MAX_UINT32 } from '../core/constants.ts';
import { invalidParams, type RpcError } from '../rpc/errors.ts';
import { methodSpec, positional } from '../rpc/shh-methods.ts';

/** Where a value sits, for geth's error wording: a positional argument, or a field of a struct argument. */
export interface Where {
  arg: number;
  struct?: string; // Go struct name: NewMessage, Criteria
  field?: string; // JSON field name
}

/** Go's json.UnmarshalTypeError text, prefixed as the rpc package prefixes it. */
export function typeError(value: string, goType: string, w: Where): RpcError {
  const into = w.struct ? `Go struct field ${w.struct}.${w.field}` : 'Go value';
  return invalidParams(`invalid argument ${w.arg}: json: cannot unmarshal ${value} into ${into} of type ${goType}`);
}

/** The JSON kind Go names in a type error. */
function kind(v: unknown): string {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

const isNull = (v: unknown): v is null | undefined => v === null || v === undefined;

/** Positional arguments, checked against the method's arity in the method table (src/rpc/shh-methods.ts). */
export function args(params: unknown, method: string): unknown[] {
  return (methodSpec(method)?.params ?? positional(0))(params);
}

/** Go string: null is "". */
export function str(v: unknown, w: Where): string {
  if (isNull(v)) return '';
  if (typeof v !== 'string') throw typeError(kind(v), 'string', w);
  return v;
}

/** Go uint32 from a JSON number: null is 0. */
export function uint32(v: unknown, w: Where): number {
  if (isNull(v)) return 0;
  if (typeof v !== 'number') throw typeError(kind(v), 'uint32', w);
  if (!Number.isInteger(v) || v < 0 || v > MAX_UINT32) throw typeError(`number ${v}`, 'uint32', w);
  return v;
}

/** Go float64: null is 0. */
export function float(v: unknown, w: Where): number {
  if (isNull(v)) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(kind(v), 'float64', w);
  return v;
}

/** Go bool: null is false. */
export function bool(v: unknown, w: Where): boolean {
  if (isNull(v)) return false;
  if (typeof v !== 'boolean') throw typeError(kind(v), 'bool', w);
  return v;
}

// hexutil's checkText: "" allowed, 0x or 0X required otherwise, even length; then the digits.
function hexDigits(s: string): { digits: string } | { error: string } {
  if (s === '') return { digits: '' };
  if (!/^0[xX]/.test(s)) return { error: 'hex string without 0x prefix' };
  const digits = s.slice(2);
  if (digits.length % 2 !== 0) return { error: 'hex string of odd length' };
  if (!/^[0-9a-fA-F]*$/.test(digits)) return { error: 'invalid hex string' };
  return { digits };
}

function decodeDigits(digits: string): Uint8Array {
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** hexutil.Bytes. A top-level null is an error; a struct field's null never reaches here (absent). */
export function bytes(v: unknown, w: Where): Uint8Array {
  if (typeof v !== 'string') throw typeError('non-string', 'hexutil.Bytes', w);
  const r = hexDigits(v);
  if ('error' in r) throw typeError(r.error, 'hexutil.Bytes', w);
  return decodeDigits(r.digits);
}

/** whisperv6.TopicType (hexutil.UnmarshalFixedText "Topic"): exactly 8 hex digits; null is the zero topic. */
export function topic(v: unknown, w: Where): Uint8Array {
  if (isNull(v)) return new Uint8Array(4);
  if (typeof v !== 'string') throw typeError(kind(v), 'whisperv6.TopicType', w);
  const r = hexDigits(v);
  if ('error' in r) throw invalidParams(`invalid argument ${w.arg}: ${r.error}`);
  if (r.digits.length !== 8) throw invalidParams(`invalid argument ${w.arg}: hex string has length ${r.digits.length}, want 8 for Topic`);
  return decodeDigits(r.digits);
}

type Decoder<T> = (v: unknown, w: Where) => T;
/** A field decoder and whether its errors stop decoding at once (Unmarshaler) or are saved (Go's own types). */
export type FieldSpec = Readonly<Record<string, readonly [Decoder<unknown>, 'immediate' | 'saved']>>;

/**
 * A gencodec struct argument: a JSON object (null: every field absent) decoded field by field in
 * document order. Returns the decoded fields that were present and not null, under their spec names.
 */
export function struct(v: unknown, spec: FieldSpec, structName: string, arg: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (isNull(v)) return out;
  if (typeof v !== 'object' || Array.isArray(v)) throw typeError(kind(v), `whisperv6.${structName}`, { arg });
  const names = Object.keys(spec);
  let saved: RpcError | undefined;
  for (const key of Object.keys(v)) {
    const name = names.find((n) => n === key) ?? names.find((n) => n.toLowerCase() === key.toLowerCase());
    if (name === undefined) continue; // Go ignores unknown fields
    const value = (v as Record<string, unknown>)[key];
    if (isNull(value)) {
      delete out[name]; // a null pointer field: absent (a later duplicate key wins, as in Go)
      continue;
    }
    const [decode, mode] = spec[name]!;
    try {
      out[name] = decode(value, { arg, struct: structName, field: name });
    } catch (e) {
      if (mode === 'immediate') throw e;
      saved ??= e as RpcError;
    }
  }
  if (saved) throw saved;
  return out;
}

/** A JSON array of T ([]T in Go): null is empty. */
export function array<T>(item: Decoder<T>, goType: string): Decoder<T[]> {
  return (v, w) => {
    if (isNull(v)) return [];
    if (!Array.isArray(v)) throw typeError(kind(v), goType, w);
    return v.map((x) => item(x, w));
  };
}

const POST_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Beyond geth: a post's name for progress events and shh_cancelPost (docs/API.md). */
function postId(v: unknown): string {
  if (typeof v !== 'string' || !POST_ID.test(v)) throw invalidParams('invalid argument postId: want 1-64 characters of A-Z a-z 0-9 _ -');
  return v;
}

/** geth's NewMessage (shh_post), plus postId and dark (docs/API.md). */
export const NEW_MESSAGE: FieldSpec = {
  symKeyID: [str, 'saved'],
  pubKey: [bytes, 'immediate'],
  sig: [str, 'saved'],
  ttl: [uint32, 'saved'],
  topic: [topic, 'immediate'],
  payload: [bytes, 'immediate'],
  padding: [bytes, 'immediate'],
  powTime: [uint32, 'saved'],
  powTarget: [float, 'saved'],
  targetPeer: [str, 'saved'],
  postId: [postId, 'saved'],
  dark: [bool, 'saved'],
};

/** geth's Criteria (shh_subscribe, shh_newMessageFilter). */
export const CRITERIA: FieldSpec = {
  symKeyID: [str, 'saved'],
  privateKeyID: [str, 'saved'],
  sig: [bytes, 'immediate'],
  minPow: [float, 'saved'],
  topics: [array(topic, '[]whisperv6.TopicType'), 'immediate'],
  allowP2P: [bool, 'saved'],
};
