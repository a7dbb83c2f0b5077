// Hostile peers: a plain gossipsub node floods a Whisper victim while two honest peers post
// through it to a receiver (test/net/flood-harness.ts, memory transport, one process). Prints how fast
// the flooder is graylisted, cut off and disconnected, how much of the flood the victim read, process
// CPU over the flood window, honest delivery; then a flood of VALID envelopes against the rate limit.
//   node_modules/.bin/node bench/flood.ts [rate=1000] [floodMs=2000] [validMs=15000]

import { loadavg } from 'node:os';
import { JUNK_KINDS, runFlood, type FloodOptions, type FloodResult } from '../test/net/flood-harness.ts';

const [RATE = 1000, FLOOD_MS = 2000, VALID_MS = 15_000] = process.argv.slice(2).map(Number);
const HONEST_RATE = 20; // envelopes per second, split over two honest peers

const ms = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1));
const pct = (r: FloodResult): string => `${((100 * r.delivered) / r.posted).toFixed(1)} % (${r.delivered}/${r.posted})`;

async function run(label: string, o: Partial<FloodOptions> & Pick<FloodOptions, 'kind'>): Promise<string> {
  const floodMs = o.floodMs ?? FLOOD_MS;
  const r = await runFlood({
    rate: RATE,
    floodMs,
    honest: Math.round((HONEST_RATE * floodMs) / 1000),
    honestMs: floodMs,
    honestPeers: 2,
    ...o,
  });
  const cells = [
    label,
    `${r.sent}`,
    `${r.validated}`,
    `${r.accepted} / ${r.over} / ${r.abuse}`,
    ms(r.graylistMs),
    ms(r.cutOffMs),
    ms(r.disconnectMs),
    `${r.cpuMs.toFixed(0)} ms / ${(r.wallMs / 1000).toFixed(1)} s`,
    pct(r),
    r.honestMinScore.toFixed(2),
    r.cutOffMs === undefined ? '-' : r.redialRefused ? 'yes' : 'no',
  ];
  return `| ${cells.join(' | ')} |`;
}

const rows: string[] = [];
rows.push(await run('no flood (baseline: the plain node connected, silent)', { kind: 'low-pow', rate: 0 }));
for (const kind of JUNK_KINDS) rows.push(await run(`${kind}, cut-off on`, { kind }));
rows.push(await run('low-pow, cut-off off (gossipsub graylist only)', { kind: 'low-pow', victim: { cutOff: false } }));
rows.push(await run('malformed, cut-off off (gossipsub graylist only)', { kind: 'malformed', victim: { cutOff: false } }));
// Valid floods need min-pow 0 everywhere, or the receiver would count what the victim forwards as invalid.
const valid = { kind: 'valid', floodMs: VALID_MS, victim: { minPow: 0 }, others: { minPow: 0 } } as const;
rows.push(await run('valid at 300/s, receiver trusts the victim (browser and its relay)', { ...valid, rate: 300, receiverTrusts: true }));
rows.push(await run('valid at 1000/s, receiver trusts the victim', { ...valid, receiverTrusts: true }));
rows.push(await run('valid at 1000/s, receiver does not trust the victim (browser to browser)', valid));

console.log(`\nflood at ${RATE}/s for ${FLOOD_MS} ms (valid: ${VALID_MS} ms), honest ${HONEST_RATE}/s; loadavg ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log(
  '| flood | sent | read by victim | accepted / over limit / abuse | graylisted ms | cut off ms | disconnected ms | process CPU / wall | honest delivery | min honest score | redial refused |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
process.exit(0);
