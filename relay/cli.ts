// The relay's command line, SPEC §5: --port, --rpc-port, --data, --peer (repeatable), --min-pow,
// --max-size, --help. A pure function of argv: a bad value throws UsageError naming the flag, which
// main.ts prints as one line before exiting with code 2. Port 0 means "let the OS pick".

import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MIN_POW, MAX_MESSAGE_SIZE_CEILING } from '../src/core/constants.ts';

export interface RelayOptions {
  port: number; // libp2p WebSocket listen port on 0.0.0.0
  rpcPort: number; // JSON-RPC on 127.0.0.1
  data: string;
  peers: string[];
  minPow: number;
  maxSize: number;
}

export type CliResult = { help: true } | { help: false; options: RelayOptions };

export const DEFAULT_OPTIONS: Readonly<RelayOptions> = Object.freeze({
  port: 9090,
  rpcPort: 8545,
  data: './.whisper-relay',
  peers: [],
  minPow: DEFAULT_MIN_POW,
  maxSize: DEFAULT_MAX_MESSAGE_SIZE,
});

/** Exit code for a usage error, as most Unix tools use. */
export const USAGE_EXIT_CODE = 2;

export const USAGE = `Usage: npm run relay -- [options]

Whisper v6 relay: libp2p WebSockets for browsers, circuit relay for WebRTC signalling,
a durable envelope store, and geth's shh_* JSON-RPC over HTTP and WebSocket.

Options:
  --port N          libp2p WebSocket listen port on 0.0.0.0 (default 9090; 0 picks a free one)
  --rpc-port N      JSON-RPC port on 127.0.0.1, HTTP POST and WebSocket (default 8545; 0 picks one)
  --data DIR        durable store and identity folder (default ./.whisper-relay)
  --peer MULTIADDR  a relay to dial and keep dialling; repeatable
  --min-pow X       minimum proof of work of accepted envelopes (default 0.2)
  --max-size N      maximum envelope size in bytes (default 65536, at most 1048576)
  --help            print this text and exit
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

function applyFlag(flag: string, v: string, o: RelayOptions): void {
  switch (flag) {
    case '--port':
      o.port = port(flag, v);
      return;
    case '--rpc-port':
      o.rpcPort = port(flag, v);
      return;
    case '--data':
      if (v.length === 0) throw new UsageError('--data: expected a folder path');
      o.data = v;
      return;
    case '--peer':
      // Fully checked by @multiformats/multiaddr when dialled; here only the obvious slip.
      if (!v.startsWith('/')) throw new UsageError(`--peer: expected a multiaddr such as /ip4/1.2.3.4/tcp/9090/ws/p2p/<id>, got "${v}"`);
      o.peers.push(v);
      return;
    case '--min-pow': {
      const n = Number(v);
      if (!DECIMAL.test(v) || !Number.isFinite(n)) throw new UsageError(`--min-pow: expected a number >= 0, got "${v}"`);
      o.minPow = n;
      return;
    }
    case '--max-size': {
      const n = Number(v);
      if (!UINT.test(v) || n < 1 || n > MAX_MESSAGE_SIZE_CEILING)
        throw new UsageError(`--max-size: expected an integer 1-${MAX_MESSAGE_SIZE_CEILING} (bytes), got "${v}"`);
      o.maxSize = n;
      return;
    }
    default:
      throw new UsageError(`unknown option ${flag} (see --help)`);
  }
}

/** Parses the arguments after `node relay/main.ts`. Accepts `--flag value` and `--flag=value`. */
export function parseArgs(argv: readonly string[]): CliResult {
  const o: RelayOptions = { ...DEFAULT_OPTIONS, peers: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { help: true };
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
        if (!['--port', '--rpc-port', '--data', '--peer', '--min-pow', '--max-size'].includes(flag))
          throw new UsageError(`unknown option ${flag} (see --help)`);
        throw new UsageError(`${flag}: missing value`);
      }
      i++;
    }
    applyFlag(flag, value, o);
  }
  return { help: false, options: o };
}
