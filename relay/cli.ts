// The relay's command line (docs/RELAY.md "Options"): the flags of the relay contract (--port,
// --rpc-port, --data, --peer, --min-pow, --max-size) plus the operator's (--host, --announce, logs,
// metrics, TLS, neighbour limits, relay discovery, the mix client). A pure function of argv: a bad value throws
// UsageError naming the flag, which serve.ts prints as one line before exiting with code 2. Port 0
// means "let the OS pick". `given` records which flags were on the command line (settings.ts: a
// flag given wins over a persisted setting, a default does not).

import { multiaddr } from '@multiformats/multiaddr';
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MIN_POW, MAX_MESSAGE_SIZE_CEILING } from '../src/core/constants.ts';
import { DEFAULT_DATA } from './compile-cache.ts';
import { COALESCE_DEFAULTS } from '../src/net/coalesce.ts';
import { DISCOVERY_FANOUT } from '../src/net/discovery.ts';
import { DEFAULT_PER_IP_LIMITS } from '../src/net/per-ip.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log.ts';

/** What the Relay itself runs with. */
export interface RelayOptions {
  port: number; // libp2p WebSocket listen port
  host: string; // libp2p WebSocket listen host
  rpcPort: number; // JSON-RPC on 127.0.0.1
  data: string;
  peers: string[];
  /** Addresses advertised instead of the listen addresses (without /p2p/<id>). */
  announce: string[];
  minPow: number;
  maxSize: number;
  /** Per-neighbour limit on valid new envelopes (src/net/rate-limit.ts). */
  peerRate: number;
  peerBurst: number;
  peerBytesRate: number;
  peerBytesBurst: number;
  /** First cooldown of a neighbour cut off below the graylist threshold, seconds (src/net/cut-off.ts). */
  cutOffSeconds: number;
  /** Inbound connections a second from one IP, handshakes at once, connections in all (src/net/node.ts). */
  ipConnectionsPerSecond: number;
  maxPendingHandshakes: number;
  maxConnections: number;
  /** Connections open at once from one IP address; 0: no cap (behind a proxy, docs/RELAY.md). Unset: DEFAULT_PER_IP_LIMITS. */
  connsPerIp?: number;
  /** Circuit reservations held at once by peers from one IP address; 0: no cap. Unset: DEFAULT_PER_IP_LIMITS. */
  reservationsPerIp?: number;
  /** Relay neighbours found through other relays' records to keep connected; 0: none (relay-directory.ts). */
  relayPeers: number;
  /** How long forwards to one neighbour wait to share an RPC (src/net/coalesce.ts); 'off': the stock send path (gossip.ts). Unset: its default. */
  coalesceMs?: number | 'off';
  /** Neighbours each browser announcement is forwarded to (src/net/discovery.ts); 0: all of them. Unset: its default. */
  discoveryFanout?: number;
  /**
   * Run the mix client (dark posts for the operator, docs/RELAY.md "Dark posts") from start-up; off:
   * `dark: true` is refused. The relay is a mix for others either way.
   */
  mixClient: boolean;
  /** PEM files for wss on the libp2p port; both or neither. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
}

/** What serve.ts adds around the Relay. */
export interface CliOptions extends RelayOptions {
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** /metrics and /health on 127.0.0.1; undefined: off. */
  metricsPort: number | undefined;
}

export type CliResult =
  | { help: true }
  | { help: false; version: true }
  | { help: false; version: false; options: CliOptions; given: ReadonlySet<string> };

export const DEFAULT_OPTIONS: Readonly<CliOptions> = Object.freeze({
  port: 9090,
  host: '0.0.0.0',
  rpcPort: 8545,
  data: DEFAULT_DATA,
  peers: [],
  announce: [],
  minPow: DEFAULT_MIN_POW,
  maxSize: DEFAULT_MAX_MESSAGE_SIZE,
  peerRate: 100,
  peerBurst: 1000,
  peerBytesRate: 512 * 1024,
  peerBytesBurst: 4 * 1024 * 1024,
  cutOffSeconds: 600,
  ipConnectionsPerSecond: 50,
  maxPendingHandshakes: 64,
  maxConnections: 2048,
  relayPeers: 8,
  mixClient: true,
  tlsCert: undefined,
  tlsKey: undefined,
  logLevel: 'info',
  logFormat: 'text',
  metricsPort: undefined,
});

/** Exit code for a usage error, as most Unix tools use. */
export const USAGE_EXIT_CODE = 2;

/** Every environment variable the relay reads; test/relay/cli.test.ts checks this against the source. */
export const ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  WHISPER_RPC_ORIGINS: 'browser origins allowed to call the RPC port, comma separated (default none)',
  WHISPER_MAX_STORE_BYTES: 'upper bound on envelopes.sqlite in bytes, at least 65536 (default: the disk)',
  DEBUG: 'shh:relay (or *) is the same as --log-level debug',
  NODE_COMPILE_CACHE: "folder of Node's compile cache (default DIR/compile-cache, see docs/RELAY.md)",
  NODE_DISABLE_COMPILE_CACHE: '1: no compile cache (every start compiles the code again)',
});

export const USAGE = `Usage: npm run relay -- [options]

Whisper v6 relay: libp2p WebSockets for browsers, circuit relay for WebRTC signalling,
a durable envelope store, and geth's shh_* JSON-RPC over HTTP and WebSocket.

Options:
  --port N          libp2p WebSocket listen port (default 9090; 0 picks a free one)
  --host ADDR       libp2p listen host (default 0.0.0.0)
  --announce MA     address to advertise instead of the listen ones, e.g.
                    /dns4/relay.example.org/tcp/443/wss; repeatable
  --rpc-port N      JSON-RPC port on 127.0.0.1, HTTP POST and WebSocket (default 8545; 0 picks one)
  --data DIR        durable store, identity and settings folder (default ./.whisper-relay)
  --peer MULTIADDR  a relay to dial and keep dialling; repeatable
  --relay-peers N   relays learnt from other relays to keep connected (default 8; 0: none)
  --mix-client on|off
                    send cover frames from start-up so shh_post can take dark: true
                    (default on; off refuses dark posts; the relay mixes for others either way)
  --min-pow X       minimum proof of work of accepted envelopes (default 0.2)
  --max-size N      maximum envelope size in bytes (default 65536, at most 1048576)
  --metrics-port N  GET /metrics (Prometheus) and /health on 127.0.0.1 (default off)
  --tls-cert FILE   PEM certificate chain: the libp2p port speaks wss (reloaded on SIGHUP)
  --tls-key FILE    PEM private key of --tls-cert
  --log-level L     error, warn, info or debug (default info)
  --log-format F    text or json: one line per event on stderr (default text)
  --version         print the version and exit
  --help            print this text and exit

Limits per neighbour (--peer relays are exempt from the first five):
  --peer-rate N            valid new envelopes a second (default 100)
  --peer-burst N           envelopes in a burst (default 1000)
  --peer-bytes-rate N      bytes a second (default 524288)
  --peer-bytes-burst N     bytes in a burst (default 4194304)
  --cut-off-seconds N      first cooldown of a misbehaving neighbour, doubling on repeats (default 600)
  --ip-connections-per-second N
                           inbound connections a second from one IP address (default 50)
  --max-pending-handshakes N
                           inbound handshakes at once (default 64)
  --max-connections N      connections in all (default 2048)
  --max-conns-per-ip N     connections open at once from one IP address (default ${DEFAULT_PER_IP_LIMITS.connectionsPerIp};
                           0: no cap, for a relay behind a proxy that caps per client itself)
  --max-reservations-per-ip N
                           circuit reservations held by peers from one IP address (default ${DEFAULT_PER_IP_LIMITS.reservationsPerIp}; 0: no cap)

Send path:
  --coalesce-ms N|off      envelopes to one neighbour within N ms go out as one RPC (default ${COALESCE_DEFAULTS.delayMs};
                           off: the stock send path, to compare: one RPC per envelope per neighbour,
                           IDONTWANT from 512 B, two WebSocket messages per frame)
  --discovery-fanout N     browsers each discovery announcement is forwarded to (default ${DISCOVERY_FANOUT};
                           0: all of them, the cost growing with the square of the browsers)

Environment:
${Object.entries(ENVIRONMENT)
  .map(([k, v]) => `  ${k.padEnd(24)} ${v}`)
  .join('\n')}

shh_setMinPoW and shh_setMaxMessageSize persist in DIR/settings.json; --min-pow and
--max-size given on the command line replace what was saved.
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const PORT = /^\d{1,5}$/;
const UINT = /^\d+$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function port(flag: string, v: string): number {
  const n = Number(v);
  if (!PORT.test(v) || n > 65535) throw new UsageError(`${flag}: expected a port number 0-65535, got "${v}"`);
  return n;
}

function uint(flag: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER, unit = ''): number {
  const n = Number(v);
  if (!UINT.test(v) || n < min || n > max) throw new UsageError(`${flag}: expected an integer ${min}-${max}${unit}, got "${v}"`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

function path(flag: string, v: string): string {
  if (v.length === 0) throw new UsageError(`${flag}: expected a file path`);
  return v;
}

type Apply = (flag: string, v: string, o: CliOptions) => void;

const FLAGS: Readonly<Record<string, Apply>> = {
  '--port': (f, v, o) => void (o.port = port(f, v)),
  '--rpc-port': (f, v, o) => void (o.rpcPort = port(f, v)),
  '--metrics-port': (f, v, o) => void (o.metricsPort = port(f, v)),
  '--host': (f, v, o) => {
    // An IP literal: libp2p listens on /ip4/<host> or /ip6/<host>.
    if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/.test(v)) throw new UsageError(`${f}: expected an IPv4 or IPv6 address, got "${v}"`);
    o.host = v;
  },
  '--data': (f, v, o) => {
    if (v.length === 0) throw new UsageError(`${f}: expected a folder path`);
    o.data = v;
  },
  '--peer': (f, v, o) => {
    // Fully checked by @multiformats/multiaddr when dialled; here only the obvious slip.
    if (!v.startsWith('/')) throw new UsageError(`${f}: expected a multiaddr such as /ip4/1.2.3.4/tcp/9090/ws/p2p/<id>, got "${v}"`);
    o.peers.push(v);
  },
  '--announce': (f, v, o) => {
    let names: string[];
    try {
      names = multiaddr(v).getComponents().map((c) => c.name);
    } catch (e) {
      throw new UsageError(`${f}: expected a multiaddr such as /dns4/relay.example.org/tcp/443/wss, got "${v}" (${(e as Error).message})`);
    }
    if (names.includes('p2p')) throw new UsageError(`${f}: give the address without /p2p/<id>, the relay adds its own: "${v}"`);
    o.announce.push(v);
  },
  '--min-pow': (f, v, o) => {
    const n = Number(v);
    if (!DECIMAL.test(v) || !Number.isFinite(n)) throw new UsageError(`${f}: expected a number >= 0, got "${v}"`);
    o.minPow = n;
  },
  '--max-size': (f, v, o) => void (o.maxSize = uint(f, v, 1, MAX_MESSAGE_SIZE_CEILING, ' (bytes)')),
  '--peer-rate': (f, v, o) => void (o.peerRate = uint(f, v, 1)),
  '--peer-burst': (f, v, o) => void (o.peerBurst = uint(f, v, 1)),
  '--peer-bytes-rate': (f, v, o) => void (o.peerBytesRate = uint(f, v, 1)),
  '--peer-bytes-burst': (f, v, o) => void (o.peerBytesBurst = uint(f, v, 1)),
  '--cut-off-seconds': (f, v, o) => void (o.cutOffSeconds = uint(f, v, 1)),
  '--ip-connections-per-second': (f, v, o) => void (o.ipConnectionsPerSecond = uint(f, v, 1)),
  '--max-pending-handshakes': (f, v, o) => void (o.maxPendingHandshakes = uint(f, v, 1)),
  '--max-connections': (f, v, o) => void (o.maxConnections = uint(f, v, 1)),
  '--max-conns-per-ip': (f, v, o) => void (o.connsPerIp = uint(f, v, 0)),
  '--max-reservations-per-ip': (f, v, o) => void (o.reservationsPerIp = uint(f, v, 0)),
  '--relay-peers': (f, v, o) => void (o.relayPeers = uint(f, v, 0, 1000)),
  '--discovery-fanout': (f, v, o) => void (o.discoveryFanout = uint(f, v, 0, 1000)),
  '--coalesce-ms': (f, v, o) => void (o.coalesceMs = v === 'off' ? 'off' : uint(f, v, 0, 1000, ' (ms) or off')),
  '--mix-client': (f, v, o) => void (o.mixClient = oneOf(f, v, ['on', 'off'] as const) === 'on'),
  '--tls-cert': (f, v, o) => void (o.tlsCert = path(f, v)),
  '--tls-key': (f, v, o) => void (o.tlsKey = path(f, v)),
  '--log-level': (f, v, o) => void (o.logLevel = oneOf(f, v, LOG_LEVELS)),
  '--log-format': (f, v, o) => void (o.logFormat = oneOf(f, v, LOG_FORMATS)),
};

/** The flags that take a value (for the help test and tooling). */
export const VALUE_FLAGS: readonly string[] = Object.keys(FLAGS);

/** Parses the arguments after `node relay/main.ts`. Accepts `--flag value` and `--flag=value`. */
export function parseArgs(argv: readonly string[]): CliResult {
  const o: CliOptions = { ...DEFAULT_OPTIONS, peers: [], announce: [] };
  const given = new Set<string>();
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--version' || arg === '-v') {
      version = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf('=');
    let flag = arg;
    let value: string | undefined;
    if (eq >= 0) {
      flag = arg.slice(0, eq);
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        if (!Object.hasOwn(FLAGS, flag)) throw new UsageError(`unknown option ${flag} (see --help)`);
        throw new UsageError(`${flag}: missing value`);
      }
      i++;
    }
    const apply = Object.hasOwn(FLAGS, flag) ? FLAGS[flag] : undefined;
    if (!apply) throw new UsageError(`unknown option ${flag} (see --help)`);
    apply(flag, value, o);
    given.add(flag);
  }
  if (version) return { help: false, version: true };
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key: give both or neither');
  return { help: false, version: false, options: o, given };
}
