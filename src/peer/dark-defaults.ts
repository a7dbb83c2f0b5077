// What dark sending (docs/PRIVACY.md, "The mix layer") starts as in a build: "Send dark by default"
// ships on; the build may turn it off with WHISPER_DARK_DEFAULT=off (the browser tests do, for the
// tests not about dark posts). WHISPER_MIX_CLIENT (JSON of the mix client's settings) is a test hook:
// a fast clock against relays started with fast mixing. The user's choices are in the settings.

import type { MixClientSettings } from '../net/mix/settings.ts';

declare const __WHISPER_DARK_DEFAULT__: string | undefined;
declare const __WHISPER_MIX_CLIENT__: string | undefined;

/** The user's two settings about dark posts. */
export interface DarkChoice {
  /** A post without `dark` goes dark. */
  darkByDefault: boolean;
  /** Every post goes dark; a site's `dark: false` cannot override it. */
  alwaysDark: boolean;
}

export const DARK_BY_DEFAULT: boolean = typeof __WHISPER_DARK_DEFAULT__ === 'string' ? !/^(off|0|false|no)$/i.test(__WHISPER_DARK_DEFAULT__.trim()) : true;

/** The mix client's settings of this build over MIX_CLIENT_DEFAULTS (empty unless a test build set them). */
export const MIX_CLIENT_BUILD: Partial<MixClientSettings> = parseMixClient(typeof __WHISPER_MIX_CLIENT__ === 'string' ? __WHISPER_MIX_CLIENT__ : '');

/** The mix client runs (its clock ticks) while either setting is on: a dark post then has a clock to ride. */
export const darkEnabled = (c: DarkChoice): boolean => c.darkByDefault || c.alwaysDark;

/** The saved choice, absent fields meaning the defaults (`byDefault`: this build's, unless a test says). */
export const darkChoice = (row: { darkByDefault?: boolean; alwaysDark?: boolean }, byDefault = DARK_BY_DEFAULT): DarkChoice => ({
  darkByDefault: row.darkByDefault ?? byDefault,
  alwaysDark: row.alwaysDark ?? false,
});

export function parseMixClient(raw: string): Partial<MixClientSettings> {
  if (raw.trim() === '') return {};
  const v: unknown = JSON.parse(raw);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError('WHISPER_MIX_CLIENT must be a JSON object');
  const out: Partial<MixClientSettings> = {};
  for (const k of ['rateHz', 'loopShare', 'hops', 'loopTimeoutMs'] as const) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`WHISPER_MIX_CLIENT.${k} must be a number`);
    out[k] = x;
  }
  return out;
}
