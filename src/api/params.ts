// Guards for shh_* JSON parameters (SPEC §4 conventions, geth's JSON types): positional params,
// bytes as `0x` hex, topics strict, numbers plain. Every failure is RpcError -32602 naming the
// argument, so a page's bad request() gets a clear error and changes nothing.

import { fromHex } from '../core/bytes.ts';
import { MAX_UINT32 } from '../core/constants.ts';
import { isWhisperError } from '../core/errors.ts';
import { topicFromJson } from '../core/topic.ts';
import { invalidParams } from './rpc-error.ts';

/** Positional arguments: an array, or nothing at all. At most `max` of them. */
export function args(params: unknown, max: number): unknown[] {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) throw invalidParams('non-array args');
  if (params.length > max) throw invalidParams(`too many arguments, want at most ${max}`);
  return params;
}

export function required(a: unknown[], i: number): unknown {
  if (a[i] === undefined || a[i] === null) throw invalidParams(`missing value for required argument ${i}`);
  return a[i];
}

export function str(v: unknown, name: string): string {
  if (typeof v !== 'string') throw invalidParams(`invalid argument ${name}: want a string`);
  return v;
}

export function bytes(v: unknown, name: string): Uint8Array {
  if (typeof v !== 'string') throw invalidParams(`invalid argument ${name}: want 0x-prefixed hex`);
  try {
    return fromHex(v, true, name);
  } catch (e) {
    throw invalidParams(`invalid argument ${name}: ${(e as Error).message}`);
  }
}

export function uint32(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_UINT32)
    throw invalidParams(`invalid argument ${name}: want an integer from 0 to ${MAX_UINT32}`);
  return v;
}

export function float(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidParams(`invalid argument ${name}: want a number`);
  return v;
}

export function bool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw invalidParams(`invalid argument ${name}: want true or false`);
  return v;
}

export function topic(v: unknown, name: string): Uint8Array {
  try {
    return topicFromJson(v);
  } catch (e) {
    if (isWhisperError(e)) throw invalidParams(`invalid argument ${name}: ${e.message}`);
    throw e;
  }
}

/** A JSON object's own field, or undefined when absent or null (geth decodes null as the zero value). */
export function object(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidParams(`invalid argument ${name}: want an object`);
  return v as Record<string, unknown>;
}

export function field(o: Record<string, unknown>, key: string): unknown {
  const v = Object.hasOwn(o, key) ? o[key] : undefined;
  return v === null ? undefined : v;
}
