// `npm run relay -- [options]` (SPEC §5): parses the command line, starts the Relay, prints one
// `listening <multiaddr>` line per listen address and `rpc http://127.0.0.1:N`, and stops cleanly on
// SIGINT / SIGTERM (exit 0). Usage errors exit 2. Nothing about peers or their IPs is logged unless
// DEBUG contains shh:relay. Environment: WHISPER_RPC_ORIGINS, WHISPER_MAX_STORE_BYTES (docs/RELAY.md).

import { parseArgs, USAGE, USAGE_EXIT_CODE, UsageError } from './cli.ts';

const debug = /(^|,)shh:(relay|\*)|^\*$/.test(process.env.DEBUG ?? '');

function fail(message: string, code: number): never {
  process.stderr.write(`whisper-relay: ${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) fail(e.message, USAGE_EXIT_CODE);
  throw e;
}
if (parsed.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

// The flags are fixed by SPEC §5, so the disk bound is an environment variable, like the origins.
const MIN_STORE_BYTES = 65_536;
let maxStoreBytes: number | undefined;
const storeCap = process.env.WHISPER_MAX_STORE_BYTES?.trim();
if (storeCap) {
  maxStoreBytes = Number(storeCap);
  if (!/^\d+$/.test(storeCap) || !Number.isSafeInteger(maxStoreBytes) || maxStoreBytes < MIN_STORE_BYTES)
    fail(`WHISPER_MAX_STORE_BYTES: expected a whole number of bytes >= ${MIN_STORE_BYTES}, got "${storeCap}"`, USAGE_EXIT_CODE);
}

// Loaded only now: the libp2p stack takes seconds to import, a usage error should not wait for it.
const { Relay } = await import('./relay.ts');
const { StoreError } = await import('./store.ts');
const relay = new Relay({
  ...parsed.options,
  // Web pages may not call the operator's RPC unless listed here (docs/RELAY.md).
  rpcOrigins: (process.env.WHISPER_RPC_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
  ...(maxStoreBytes !== undefined ? { maxStoreBytes } : {}),
  // Refused writes are one line when they start and one when they stop, not one per envelope.
  onStoreWritable: (writable, { error, refused }) =>
    process.stderr.write(
      writable
        ? `whisper-relay: storing envelopes again (${refused} refused meanwhile)\n`
        : `whisper-relay: refusing envelopes until the store can write again: ${error?.message ?? 'unknown error'}\n`,
    ),
  onError: (e) => {
    // A store failure the operator must see (a failed expiry sweep); failed puts are reported above.
    // Other errors are peers misbehaving or leaving, which would name them: debug only.
    if (e instanceof StoreError) {
      if (e.op !== 'put') process.stderr.write(`whisper-relay: ${e.message}\n`);
    } else if (debug) process.stderr.write(`shh:relay ${describe(e)}\n`);
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
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await relay.stop();
    process.exit(0);
  } catch (e) {
    fail(`stop failed: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

try {
  await relay.start();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e), 1);
}
for (const addr of relay.multiaddrs()) process.stdout.write(`listening ${addr}\n`);
process.stdout.write(`rpc ${relay.rpcUrl}\n`);
