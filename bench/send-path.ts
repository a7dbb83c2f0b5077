// The relay's send path and discovery cost in one command (`npm run bench -- send-path`), for a
// quiet machine: (0) bench/fanout.ts (the send path alone, 50 subscribers, stock and coalesced);
// (1) bench/load.ts with the stock send path and coalescing at 5 and 25 ms, each
// with its idle cost first, 100 clients at 10 envelopes/s of 512 data bytes (a real envelope's
// size); (2) the relay at rest with 500 announcing clients, discovery fanout 4 (shipped) and 0 (every
// browser, as before); (3) bench/gossip-bytes.ts (bytes per peer per envelope, 30 peers).
// Every table carries the load average. Arguments after the name are ignored.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const run = (file: string, args: string[]): void => {
  console.log(`\n#### node ${file} ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [join(import.meta.dirname, file), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
};

run('fanout.ts', ['--leaves', '50', '--rate', '50', '--seconds', '20', '--paths', 'off,0,5,25']);
run('load.ts', ['--peers', '100', '--procs', '2', '--rate', '10', '--size', '512', '--seconds', '60', '--drain', '10', '--idle', '30', '--send-path', 'off,5,25']);
for (const fanout of ['4', '0']) {
  run('load.ts', ['--peers', '500', '--procs', '2', '--dial-rate', '20', '--rate', '2', '--seconds', '10', '--drain', '5', '--idle', '90', '--announce', `--relay-args=--max-conns-per-ip 0 --discovery-fanout ${fanout}`]);
}
run('gossip-bytes.ts', ['--peers', '30', '--links', '3', '--envelopes', '100', '--rate', '20', '--size', '512']);
