// Relay store write rate (relay/store.ts, relay/store-writer.ts): one fsynced commit per envelope
// against group commit, where envelopes that arrive in the same turn share a commit. Prints a table.
// Usage: node_modules/.bin/node bench/store.ts [envelopes=1000] [perTurn=10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvelopeStore, type StoredEnvelope } from '../relay/store.ts';
import { StoreWriter } from '../relay/store-writer.ts';

const total = Number(process.argv[2] ?? 1000);
const perTurn = Number(process.argv[3] ?? 10);
const row = (k: number): StoredEnvelope => {
  const hash = crypto.getRandomValues(new Uint8Array(32));
  new DataView(hash.buffer).setUint32(0, k);
  return { hash, expiry: 4_000_000_000, rlp: crypto.getRandomValues(new Uint8Array(276)) };
};

async function run(name: string, write: (store: EnvelopeStore, rows: StoredEnvelope[]) => Promise<void>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'shh-bench-store-'));
  const store = EnvelopeStore.open(dir);
  const rows = Array.from({ length: total }, (_, k) => row(k));
  const t0 = performance.now();
  await write(store, rows);
  const ms = performance.now() - t0;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return `| ${name} | ${total} | ${ms.toFixed(0)} | ${Math.round((total * 1000) / ms)} |`;
}

const lines = [
  '| method | envelopes | ms | envelopes/s |',
  '| --- | ---: | ---: | ---: |',
  await run('put(), one commit each', async (store, rows) => {
    for (const r of rows) store.put(r);
  }),
  await run(`StoreWriter, ${perTurn} per event-loop turn`, async (store, rows) => {
    const writer = new StoreWriter(store);
    for (let i = 0; i < rows.length; i += perTurn) {
      await Promise.all(rows.slice(i, i + perTurn).map((r) => writer.put(r)));
    }
  }),
];
console.log(lines.join('\n'));
console.log(`load average: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
