// Long fuzz run: 100 000 seeded cases per decoder a hostile peer or page reaches (targets in
// test/fuzz/targets.ts). Prints a Markdown table: cases, accepted, refusals by code, crashes (must be
// 0), slowest case, and max heap growth over the run (sampled every 1000 cases after a forced GC).
//   node_modules/.bin/node bench/fuzz.ts [cases=100000] [seed=24601]

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { useFastestSecp256k1 } from '../src/core/secp256k1.ts';
import { fuzz } from '../test/fuzz/harness.ts';
import { allTargets } from '../test/fuzz/targets.ts';

const [casesArg = '100000', seedArg = '24601'] = process.argv.slice(2);
const cases = Number(casesArg);
const seed = Number(seedArg);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

const backend = await useFastestSecp256k1();
console.log(`fuzz: ${cases} cases per target, seed ${seed}, secp256k1 ${backend}, node ${process.version}\n`);
console.log('| target | cases | accepted | refused (by outcome) | crashes | slowest case | max heap growth | time |');
console.log('|---|---:|---:|---|---:|---:|---:|---:|');
let crashes = 0;
for (const t of allTargets()) {
  const base = heap();
  let peak = base;
  let ticks = 0;
  const t0 = performance.now();
  const r = fuzz(t, { cases, seed, hangMs: 1000, onTick: () => {
    // a GC every 1000 cases would dominate the cheap targets: sample every 10 000
    if (++ticks % 10 === 0) peak = Math.max(peak, heap());
  } });
  const s = (performance.now() - t0) / 1000;
  peak = Math.max(peak, heap());
  const refused = [...r.outcomes].filter(([k]) => k !== 'accept').sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`| ${t.name} | ${r.cases} | ${r.accepted} | ${refused} | ${r.crashes.length} | ${r.maxCaseMs.toFixed(1)} ms | ${((peak - base) / 2 ** 20).toFixed(1)} MiB | ${s.toFixed(1)} s |`);
  for (const c of r.crashes) {
    crashes++;
    const input = c.input instanceof Uint8Array ? Buffer.from(c.input).toString('hex') : JSON.stringify(c.input);
    console.log(`\n  CRASH ${t.name} ${c.kind}: ${c.detail}\n  minimal input: ${input}\n`);
  }
}
process.exit(crashes > 0 ? 1 : 0);
