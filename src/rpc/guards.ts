// Small runtime guards for messages that cross a context boundary. Receivers take `unknown` and
// check it with these before dispatch; anything that fails is dropped or answered with -32600.

export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
export const isString = (x: unknown): x is string => typeof x === 'string';
export const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
export const isSafeId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
export const isHex = (x: unknown): x is string => typeof x === 'string' && /^0x([0-9a-f]{2})*$/.test(x);
export const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every(isString);

export function isErrorShape(x: unknown): x is { code: number; message: string; data?: unknown } {
  return isObject(x) && Number.isInteger(x.code) && isString(x.message);
}

/** One of a fixed set of string literals. */
export const oneOf =
  <T extends string>(values: readonly T[]) =>
  (x: unknown): x is T =>
    typeof x === 'string' && (values as readonly string[]).includes(x);
