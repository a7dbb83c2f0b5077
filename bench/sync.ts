// Catch-up sync cost (docs/PROTOCOL.md §3): bytes, round trips and CPU time of reconciling two pools of n live
// envelopes that differ by d, transport-free. Anchored to the naive exchange (every hash sent one way,
// n × 32 bytes), so the ratio shows cost following the difference rather than the pool size.
// Prints a Markdown table.   node_modules/.bin/node bench/sync.ts [sizes=1000,10000,100000] [diffs=0,10,100,1000]

import { cpus } from 'node:os';
import { Reconciler } from '../src/net/sync/reconciler.ts';
import { SortedItems, type SyncItem } from '../src/net/sync/items.ts';

const [sizesArg = '1000,10000,100000', diffsArg = '0,10,100,1000'] = process.argv.slice(2);
const sizes = sizesArg.split(',').map(Number);
const diffs = diffsArg.split(',').map(Number);
const NOW = 1_700_000_000;

let seed = 12345;
const rand = (): number => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>>= 0);
};
function items(n: number): SyncItem[] {
  return Array.from({ length: n }, () => {
    const hash = new Uint8Array(32);
    for (let j = 0; j < 32; j += 4) new DataView(hash.buffer).setUint32(j, rand());
    return { expiry: NOW + (rand() % 86_400), hash };
  });
}

console.log(`| pool n | diff d | round trips | bytes | naive n×32 | bytes / naive | ms |`);
console.log(`| ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const n of sizes) {
  const shared = items(n);
  for (const d of diffs) {
    const a = new SortedItems([...shared, ...items(d >> 1)]);
    const b = new SortedItems([...shared, ...items(d - (d >> 1))]);
    const t = performance.now();
    const ini = new Reconciler(a, { now: () => NOW * 1000 });
    const res = new Reconciler(b, { now: () => NOW * 1000 });
    let msg: Uint8Array | null = ini.initiate();
    let bytes = 0;
    let rounds = 0;
    while (msg) {
      const reply = res.respond(msg);
      bytes += msg.length + reply.length;
      rounds++;
      msg = ini.reconcile(reply);
    }
    const ms = performance.now() - t;
    if (ini.have.length + ini.need.length !== d) throw new Error(`found ${ini.have.length + ini.need.length} differences, expected ${d}`);
    const naive = (n + d) * 32;
    console.log(`| ${n} | ${d} | ${rounds} | ${bytes} | ${naive} | ${(bytes / naive).toFixed(4)} | ${ms.toFixed(1)} |`);
  }
}
console.log(`\nNode ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`);
