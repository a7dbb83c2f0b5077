// `npm run relay -- [options]` (SPEC §5): parses the command line, starts the Relay, prints one
// `listening <multiaddr>` line per listen address and `rpc http://127.0.0.1:N`, and stops cleanly on
// SIGINT / SIGTERM (exit 0). Usage errors exit 2. Nothing about peers or their IPs is logged unless
// DEBUG contains shh:relay.

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

// Loaded only now: the libp2p stack takes seconds to import, a usage error should not wait for it.
const { Relay } = await import('./relay.ts');
const { StoreError } = await import('./store.ts');
const relay = new Relay({
  ...parsed.options,
  // Web pages may not call the operator's RPC unless listed here (docs/RELAY.md).
  rpcOrigins: (process.env.WHISPER_RPC_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
  onError: (e) => {
    // A store failure means envelopes are being refused: the operator must see it. Others are
    // peers misbehaving or leaving, which would name them: debug only.
    if (e instanceof StoreError) process.stderr.write(`whisper-relay: ${e.message}\n`);
    else if (debug) process.stderr.write(`shh:relay ${e instanceof Error ? e.message : String(e)}\n`);
  },
});

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
