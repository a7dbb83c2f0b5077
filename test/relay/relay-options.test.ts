// Every option the relay's command line parses reaches the Relay (relay/relay.ts), the optional ones
// (no entry in DEFAULT_OPTIONS) included. They used to be dropped: a relay started with
// `--max-conns-per-ip 0` kept the default cap of 256 connections per IP address, and
// --max-reservations-per-ip, --coalesce-ms and --discovery-fanout were ignored the same way.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, parseArgs, type RelayOptions } from '../../relay/cli.ts';
import { Relay } from '../../relay/relay.ts';
import { cleanup, startRelay } from './harness.ts';

const clients: Libp2p[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await cleanup();
});

/** Dials `addr` from `n` fresh peer ids (all from 127.0.0.1) one after the other; how many stayed connected. */
async function dialEach(addr: string, n: number): Promise<number> {
  let open = 0;
  for (let i = 0; i < n; i++) {
    const c = await createLibp2p({ transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()] });
    clients.push(c);
    await c.start();
    await c.dial(multiaddr(addr)).catch(() => undefined); // a refused dial leaves no connection, counted below
    if (c.getConnections().length > 0) open++;
  }
  return open;
}

describe('relay options', () => {
  it('every option parsed from the command line, the optional ones too, is the Relay’s', () => {
    const parsed = parseArgs(['--max-conns-per-ip', '0', '--max-reservations-per-ip', '3', '--coalesce-ms', 'off', '--discovery-fanout', '4', '--max-connections', '100']);
    if (parsed.help || parsed.version) throw new Error('expected options');
    const relay = new Relay({ ...parsed.options });
    expect(relay.options).toMatchObject({ connsPerIp: 0, reservationsPerIp: 3, coalesceMs: 'off', discoveryFanout: 4, maxConnections: 100 });
    // Nothing the parser produced for the Relay is lost on the way, whatever DEFAULT_OPTIONS lists.
    for (const [k, v] of Object.entries(parsed.options)) if (k in relay.options) expect(relay.options[k as keyof RelayOptions]).toEqual(v);
    expect(Object.keys(DEFAULT_OPTIONS)).not.toContain('connsPerIp'); // the case this test is about
  });

  it('a relay process started with --max-conns-per-ip 2 admits two peer ids from 127.0.0.1 and refuses the third', async () => {
    const r = await startRelay(['--max-conns-per-ip', '2', '--min-pow', '0']);
    expect(await dialEach(r.addr, 3)).toBe(2);
  }, 60_000);
});
