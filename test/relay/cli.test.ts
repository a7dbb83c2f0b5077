import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, ENVIRONMENT, parseArgs, USAGE, UsageError, VALUE_FLAGS, type CliOptions } from '../../relay/cli.ts';

const opts = (argv: string[]): CliOptions => {
  const r = parseArgs(argv);
  if (r.help || r.version) throw new Error('unexpected help or version');
  return r.options;
};
// The operator's flags at their defaults (docs/RELAY.md "Options"); the relay contract's are spelt out below.
const OPERATOR_DEFAULTS = {
  host: '0.0.0.0', announce: [], peerRate: 100, peerBurst: 1000, peerBytesRate: 524288, peerBytesBurst: 4194304,
  cutOffSeconds: 600, ipConnectionsPerSecond: 50, maxPendingHandshakes: 64, maxConnections: 2048, relayPeers: 8,
  mixClient: true, tlsCert: undefined, tlsKey: undefined, logLevel: 'info', logFormat: 'text', metricsPort: undefined,
};
const usage = (argv: string[]): string => {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('relay cli: docs/PROTOCOL.md §5 options', () => {
  it('defaults', () => {
    expect(opts([])).toEqual({ port: 9090, rpcPort: 8545, data: './.whisper-relay', peers: [], minPow: 0.2, maxSize: 65536, ...OPERATOR_DEFAULTS });
  });
  it('every option, both spellings, repeatable --peer', () => {
    const o = opts([
      '--port', '0', '--rpc-port=0', '--data', '/tmp/x', '--peer', '/ip4/1.2.3.4/tcp/9090/ws',
      '--peer=/dns4/a.example/tcp/443/wss', '--min-pow', '0', '--max-size', '1048576',
    ]);
    expect(o).toEqual({
      port: 0, rpcPort: 0, data: '/tmp/x', peers: ['/ip4/1.2.3.4/tcp/9090/ws', '/dns4/a.example/tcp/443/wss'], minPow: 0, maxSize: 1048576,
      ...OPERATOR_DEFAULTS,
    });
    expect(opts(['--min-pow', '2.5']).minPow).toBe(2.5);
    expect(opts(['--min-pow', '.5']).minPow).toBe(0.5);
  });
  it('does not share the defaults peers array between calls', () => {
    opts(['--peer', '/ip4/1.2.3.4/tcp/1/ws']);
    expect(DEFAULT_OPTIONS.peers).toEqual([]);
    expect(opts([]).peers).toEqual([]);
  });
  it('--help wins', () => {
    expect(parseArgs(['--port', '1', '--help'])).toEqual({ help: true });
    expect(parseArgs(['-h'])).toEqual({ help: true });
  });
});

describe('relay cli: bad values name their flag', () => {
  it.each([
    [['--port', '65536'], '--port'],
    [['--port', '-1'], '--port'],
    [['--port', 'abc'], '--port'],
    [['--port', '1.5'], '--port'],
    [['--port'], '--port: missing value'],
    [['--rpc-port', ''], '--rpc-port'],
    [['--rpc-port', '--data'], '--rpc-port: missing value'],
    [['--data', ''], '--data'],
    [['--peer', 'localhost:9090'], '--peer'],
    [['--min-pow', '-1'], '--min-pow'],
    [['--min-pow', 'NaN'], '--min-pow'],
    [['--min-pow', 'Infinity'], '--min-pow'],
    [['--min-pow', '0x10'], '--min-pow'],
    [['--max-size', '0'], '--max-size'],
    [['--max-size', '1048577'], '--max-size'],
    [['--max-size', '1e3'], '--max-size'],
    [['--verbose'], 'unknown option --verbose'],
    [['--verbose=1'], 'unknown option --verbose'],
    [['9090'], 'unexpected argument "9090"'],
    [['--host', 'localhost'], '--host'],
    [['--host'], '--host: missing value'],
    [['--announce', 'relay.example.org:443'], '--announce'],
    [['--announce', '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWSgkfQVAoLiBTgfyi3N1tQ9jxr7ZqxEBqdRgmi8j4Abqw'], 'without /p2p/<id>'],
    [['--metrics-port', '70000'], '--metrics-port'],
    [['--log-level', 'trace'], '--log-level: expected one of error, warn, info, debug'],
    [['--log-format', 'xml'], '--log-format: expected one of text, json'],
    [['--peer-rate', '0'], '--peer-rate'],
    [['--peer-burst', '1.5'], '--peer-burst'],
    [['--relay-peers', '-1'], '--relay-peers'],
    [['--mix-client', 'no'], '--mix-client: expected one of on, off'],
    [['--max-connections', ''], '--max-connections'],
    [['--tls-cert', 'a.pem'], '--tls-cert and --tls-key: give both or neither'],
    [['--tls-key', 'a.pem'], '--tls-cert and --tls-key: give both or neither'],
  ])('%j', (argv, text) => {
    const msg = usage(argv);
    expect(msg).toContain(text);
    expect(msg).not.toContain('\n');
  });
});

describe('relay cli: the operator flags', () => {
  it('--version wins over options, --help over --version', () => {
    expect(parseArgs(['--port', '1', '--version'])).toEqual({ help: false, version: true });
    expect(parseArgs(['--version', '--help'])).toEqual({ help: true });
  });
  it('every operator flag, and which were given', () => {
    const r = parseArgs([
      '--host', '127.0.0.1', '--announce', '/dns4/relay.example.org/tcp/443/wss', '--announce=/ip4/203.0.113.7/tcp/9090/ws',
      '--metrics-port', '9100', '--log-level', 'debug', '--log-format', 'json', '--peer-rate', '5', '--peer-burst', '6',
      '--peer-bytes-rate', '7', '--peer-bytes-burst', '8', '--cut-off-seconds', '9', '--ip-connections-per-second', '10',
      '--max-pending-handshakes', '11', '--max-connections', '12', '--relay-peers', '0', '--tls-cert', 'c.pem', '--tls-key', 'k.pem',
      '--min-pow', '1', '--mix-client', 'off',
    ]);
    if (r.help || r.version) throw new Error('unexpected');
    expect(r.options).toMatchObject({
      host: '127.0.0.1', announce: ['/dns4/relay.example.org/tcp/443/wss', '/ip4/203.0.113.7/tcp/9090/ws'], metricsPort: 9100,
      logLevel: 'debug', logFormat: 'json', peerRate: 5, peerBurst: 6, peerBytesRate: 7, peerBytesBurst: 8, cutOffSeconds: 9,
      ipConnectionsPerSecond: 10, maxPendingHandshakes: 11, maxConnections: 12, relayPeers: 0, tlsCert: 'c.pem', tlsKey: 'k.pem', minPow: 1,
      mixClient: false,
    });
    expect(r.given.has('--min-pow')).toBe(true);
    expect(r.given.has('--max-size')).toBe(false);
    expect(opts(['--host', '::1']).host).toBe('::1');
  });
  it('the help text names every flag and every environment variable the relay reads', () => {
    for (const f of [...VALUE_FLAGS, '--help', '--version']) expect(USAGE).toMatch(new RegExp(`^\\s+${f}\\b`, 'm'));
    const read = new Set<string>();
    const walk = function* (dir: string): Generator<string> {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) yield* walk(p);
        else if (p.endsWith('.ts')) yield p;
      }
    };
    const root = join(import.meta.dirname, '../..');
    for (const dir of ['relay', 'src'])
      for (const file of walk(join(root, dir))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/process\.env(?:\.([A-Z_]+)|\[['"]([A-Z_]+)['"]\])/g)) read.add((m[1] ?? m[2]) as string);
        for (const m of text.matchAll(/\benv\('([A-Z_]+)'\)/g)) read.add(m[1] as string);
      }
    expect(read.size).toBeGreaterThan(0);
    for (const name of read) {
      expect(Object.keys(ENVIRONMENT)).toContain(name);
      expect(USAGE).toContain(name);
    }
  });
});
