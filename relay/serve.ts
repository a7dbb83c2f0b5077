// What `npm run relay -- [options]` runs (docs/RELAY.md), loaded by main.ts once the compile cache is on:
// parses the command line, starts the Relay, prints one
// `listening <multiaddr>` line per advertised address and `rpc http://127.0.0.1:N` on stdout, logs
// events on stderr (log.ts), and stops cleanly on SIGINT / SIGTERM (exit 0). Usage errors exit 2,
// start failures 1. Nothing about peers or their IPs is logged below --log-level debug. The
// environment variables it reads are cli.ts's ENVIRONMENT.

import { ENVIRONMENT, parseArgs, USAGE, USAGE_EXIT_CODE, UsageError } from './cli.ts';
import { compileCache, saveCompileCache } from './compile-cache.ts';
import { createLogger, debugFromEnv } from './log.ts';
import { packageVersion } from './version.ts';

const VERSION = packageVersion();

const env = (name: keyof typeof ENVIRONMENT): string | undefined => process.env[name];

function usageFail(message: string): never {
  process.stderr.write(`whisper-relay: ${message}\n`);
  process.exit(USAGE_EXIT_CODE);
}

let parsed;
try {
  parsed = parseArgs(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) usageFail(e.message);
  throw e;
}
if (parsed.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (parsed.version) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
const options = parsed.options;
const given = parsed.given;

// The disk bound is an environment variable, like the origins (docs/RELAY.md "Storage").
const MIN_STORE_BYTES = 65_536;
let maxStoreBytes: number | undefined;
const storeCap = env('WHISPER_MAX_STORE_BYTES')?.trim();
if (storeCap) {
  maxStoreBytes = Number(storeCap);
  if (!/^\d+$/.test(storeCap) || !Number.isSafeInteger(maxStoreBytes) || maxStoreBytes < MIN_STORE_BYTES)
    usageFail(`WHISPER_MAX_STORE_BYTES: expected a whole number of bytes >= ${MIN_STORE_BYTES}, got "${storeCap}"`);
}

const log = createLogger({ level: debugFromEnv(env('DEBUG')) ? 'debug' : options.logLevel, format: options.logFormat });

function fail(message: string): never {
  log.error(message);
  process.exit(1);
}

// Health first, so /health answers 503 while the libp2p stack loads and the store is re-read.
let phase: 'starting' | 'serving' | 'stopping' = 'starting';
let storeWritable = true;
const startedAt = Date.now();
let relay: import('./relay.ts').Relay | undefined;
let metrics: import('./metrics.ts').RelayMetrics | undefined;
let monitor: import('./monitor.ts').MonitorServer | undefined;
if (options.metricsPort !== undefined) {
  const { MonitorServer } = await import('./monitor.ts');
  monitor = new MonitorServer({
    port: options.metricsPort,
    health: () => {
      const serving = phase === 'serving' && relay !== undefined;
      return {
        status: phase !== 'serving' ? phase : storeWritable ? 'serving' : 'store-refusing',
        version: VERSION,
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
        peers: serving ? relay!.peer.peerCount : 0,
        envelopes: serving ? relay!.peer.pool.size : 0,
        storeWritable,
      };
    },
    metrics: { text: async () => (metrics ? metrics.text() : ''), get contentType() { return metrics?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8'; } },
    onError: (e) => log.error(`monitor: ${describe(e)}`),
  });
  try {
    await monitor.start();
  } catch (e) {
    fail(`--metrics-port ${options.metricsPort}: ${describe(e)}`);
  }
  process.stdout.write(`metrics ${monitor.url}\n`);
}

// Saved node settings (settings.ts): a flag given now wins and is saved, else the saved value applies.
const { loadSettings, resolveSettings, updateSettings } = await import('./settings.ts');
try {
  const resolved = resolveSettings(options, given, loadSettings(options.data));
  options.minPow = resolved.minPow;
  options.maxSize = resolved.maxSize;
  if (Object.keys(resolved.save).length) updateSettings(options.data, resolved.save);
} catch (e) {
  fail(describe(e));
}

// Loaded only now: the libp2p stack takes seconds to import, a usage error should not wait for it.
const { Relay } = await import('./relay.ts');
const { StoreError } = await import('./store.ts');
if (monitor)
  metrics = new (await import('./metrics.ts')).RelayMetrics({
    data: options.data,
    version: VERSION,
    isRelay: (p) => relay?.directory?.isRelay(p) ?? false,
  });
relay = new Relay({
  ...options,
  ...(metrics ? { metrics } : {}),
  // Peer ids only at debug, even of relays (public services): the default log names no peer.
  onRelayLearnt: (r) => log.debug('relay learnt', { peerId: r.peerId, addresses: r.addrs.length }),
  saveSetting: (patch) => {
    updateSettings(options.data, patch);
    log.info('setting saved', patch);
  },
  // Web pages may not call the operator's RPC unless listed here (docs/RELAY.md).
  rpcOrigins: (env('WHISPER_RPC_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean),
  ...(maxStoreBytes !== undefined ? { maxStoreBytes } : {}),
  // Refused writes are one line when they start and one when they stop, not one per envelope.
  onStoreWritable: (writable, { error, refused }) => {
    storeWritable = writable;
    metrics?.storeWritable(writable);
    if (writable) log.info(`storing envelopes again (${refused} refused meanwhile)`, { refused });
    else log.warn(`refusing envelopes until the store can write again: ${error?.message ?? 'unknown error'}`);
  },
  onError: (e) => {
    // A store failure the operator must see (a failed expiry sweep); failed puts are reported above.
    // Other errors are peers misbehaving or leaving, which would name them: debug only.
    if (e instanceof StoreError) {
      if (e.op !== 'put') log.error(e.message);
    } else log.debug(describe(e));
  },
});

// A WebSocket dial fails with a bare ErrorEvent (no message; its error is an empty TypeError): name
// the event and the socket's URL instead of printing [object ErrorEvent].
function describe(e: unknown): string {
  if (e instanceof Error) return e.message || (e.cause !== undefined ? describe(e.cause) : e.name);
  const { message, type, target } = (e ?? {}) as { message?: unknown; type?: unknown; target?: { url?: unknown } | null };
  if (typeof message === 'string' && message) return message;
  if (typeof type === 'string') return `${type} event${typeof target?.url === 'string' ? ` on ${target.url}` : ''}`;
  return String(e);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('stopping', { signal });
  phase = 'stopping';
  try {
    await relay!.stop();
    await monitor?.stop();
    log.info('stopped');
    process.exit(0);
  } catch (e) {
    fail(`stop failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
// SIGHUP reloads the TLS certificate (tls.ts); without TLS it must not kill the relay either.
process.on('SIGHUP', () => {
  const files = options.tlsCert !== undefined && options.tlsKey !== undefined ? { cert: options.tlsCert, key: options.tlsKey } : undefined;
  if (!files) return log.info('SIGHUP: nothing to reload (no --tls-cert)');
  if (phase !== 'serving') return log.warn('SIGHUP: not serving yet, the certificate is read at start');
  void import('./tls.ts').then(({ reloadTls }) => {
    try {
      const n = reloadTls(relay!.peer.node, files);
      log.info('TLS certificate reloaded', { listeners: n, cert: files.cert });
    } catch (e) {
      log.error(`TLS certificate not reloaded, the old one stays in use: ${describe(e)}`);
    }
  });
});
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

log.info('starting', { version: VERSION, node: process.versions.node, data: options.data });
try {
  await relay.start();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const addrs = relay.multiaddrs();
phase = 'serving';
log.info('serving', { envelopes: relay.loaded, addresses: addrs.length }); // the peer id is in the listening lines
for (const addr of addrs) process.stdout.write(`listening ${addr}\n`);
process.stdout.write(`rpc ${relay.rpcUrl}\n`);
// Every start-up module is loaded: keep them compiled for the next start (compile-cache.ts).
saveCompileCache();
const cache = compileCache();
log.debug(cache.kind === 'on' ? `compile cache in ${cache.directory}` : `no compile cache: ${cache.why}`);
