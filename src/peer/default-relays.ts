// The relay list the extension ships with (docs/PROTOCOL.md §5): the build defines __WHISPER_RELAYS__ from the
// environment variable WHISPER_RELAYS (comma-separated multiaddrs); unset or empty, the relay's
// default port on loopback. The user's own list (popup settings) reaches the peer through `configure`.

declare const __WHISPER_RELAYS__: string | undefined;

export const FALLBACK_RELAY = '/ip4/127.0.0.1/tcp/9090/ws';

/** Splits a comma-separated list, trimming blanks; an empty list means the fallback. */
export function parseRelayList(raw: string | undefined): string[] {
  const list = (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return list.length ? list : [FALLBACK_RELAY];
}

export const DEFAULT_RELAYS: readonly string[] = parseRelayList(typeof __WHISPER_RELAYS__ === 'string' ? __WHISPER_RELAYS__ : undefined);
