import { describe, expect, it } from 'vitest';
import { DEFAULT_RELAYS, FALLBACK_RELAY, parseRelayList } from '../../src/peer/default-relays.ts';
import { parseRelays } from '../../src/net/redial.ts';

describe('relay list (docs/PROTOCOL.md §5 WHISPER_RELAYS)', () => {
  it.each([
    [undefined, [FALLBACK_RELAY]],
    ['', [FALLBACK_RELAY]],
    [' , ,', [FALLBACK_RELAY]],
    ['/dns4/a.example/tcp/443/wss', ['/dns4/a.example/tcp/443/wss']],
    [' /ip4/10.0.0.1/tcp/9090/ws , /dns4/b.example/tcp/443/wss ', ['/ip4/10.0.0.1/tcp/9090/ws', '/dns4/b.example/tcp/443/wss']],
  ])('parseRelayList(%j)', (raw, expected) => {
    expect(parseRelayList(raw)).toEqual(expected);
  });

  it('without a build-time define the default is the relay default port on loopback', () => {
    expect(FALLBACK_RELAY).toBe('/ip4/127.0.0.1/tcp/9090/ws');
    expect(DEFAULT_RELAYS).toEqual([FALLBACK_RELAY]);
  });

  it('parseRelays names the address that is not a multiaddr', () => {
    expect(parseRelays(['/ip4/127.0.0.1/tcp/1/ws']).map(String)).toEqual(['/ip4/127.0.0.1/tcp/1/ws']);
    expect(() => parseRelays(['/ip4/127.0.0.1/tcp/1/ws', 'relay.example:443'])).toThrow(/relay relay\.example:443/);
    expect(() => parseRelays(['/ip4/999.0.0.1/tcp/1/ws'])).toThrow(TypeError);
  });
});
