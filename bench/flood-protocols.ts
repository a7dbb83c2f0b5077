// A stranger floods a relay with valid cheap envelopes over each protocol that accepts envelopes, in
// turn (gossip, stem, catch-up; test/relay/protocol-flood.ts: stock libp2p writing raw frames, a fresh
// relay and peer id each time, the relay's default per-neighbour budget). Prints per protocol what
// entered the pool and how soon the flooder was cut off.
//   node_modules/.bin/node bench/flood-protocols.ts [envelopes=7000]

import { loadavg } from 'node:os';
import { cleanup, waitFor } from '../test/relay/harness.ts';
import { flood, flooder, nodes, PROTOCOLS, settled, startRelay } from '../test/relay/protocol-flood.ts';

const [N = 7000] = process.argv.slice(2).map(Number);

const rows: string[] = [];
for (const [name, send] of Object.entries(PROTOCOLS)) {
  const relay = await startRelay({}); // the defaults: bursts of 1 000, 100 a second, abuse at 5x
  const node = await flooder(name === 'gossip');
  nodes.push(node);
  const t0 = performance.now();
  await send(node, relay, flood(100_000, N)).catch(() => {}); // the relay may hang up mid-flood
  const sentMs = performance.now() - t0;
  const cutMs = await waitFor('the flooder hung up on', async () => (node.getConnections().length === 0 ? performance.now() - t0 : undefined), 30_000).catch(
    () => undefined,
  );
  const pooled = await settled(relay);
  rows.push(`| ${name} | ${N} | ${(sentMs / 1000).toFixed(1)} s | ${pooled} | ${cutMs === undefined ? 'not cut off' : `${(cutMs / 1000).toFixed(1)} s`} |`);
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await cleanup();
}

console.log(`\nvalid envelopes at PoW 0 flooded at a relay (--min-pow 0), one protocol at a time; loadavg ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log('| protocol | sent | flood took | entered the pool | cut off after |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
process.exit(0);
