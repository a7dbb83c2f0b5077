// bench/load.ts helpers: the relay as a real process (node relay/main.ts, ready on its `rpc` line,
// like test/relay/harness.ts), its JSON-RPC, and per-process CPU and RSS read from /proc.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '../../relay/main.ts');
const CLK_TCK = 100; // Linux USER_HZ

export interface RelayChild {
  child: ChildProcess;
  addr: string;
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  stderr: () => string;
}

export async function startRelay(args: string[], nodeFlags: string[] = []): Promise<RelayChild> {
  const child = spawn(process.execPath, [...nodeFlags, MAIN, '--port', '0', '--rpc-port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // The relay is not a forked child: without this, a bench stopped by a signal (timeout, Ctrl-C) left it running.
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const ready = await new Promise<{ addr: string; rpcUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay not ready in 60 s: ${err}`)), 60_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const rpc = /^rpc (\S+)$/m.exec(out);
      if (!rpc) return;
      clearTimeout(timer);
      const addr = [...out.matchAll(/^listening (\S+)$/gm)].map((m) => m[1] as string).find((a) => a.startsWith('/ip4/127.0.0.1/'));
      if (addr) resolve({ addr, rpcUrl: rpc[1] as string });
      else reject(new Error(`no loopback address: ${out}`));
    });
    child.once('exit', (code) => reject(new Error(`relay exited ${code}: ${err}`)));
  });
  let id = 1;
  const rpc = async (method: string, params: unknown[] = []): Promise<unknown> => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: id++, method, params });
    const res = await fetch(ready.rpcUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const r = (await res.json()) as { result?: unknown; error?: { message: string } };
    if (r.error) throw new Error(`${method}: ${r.error.message}`);
    return r.result;
  };
  return { child, addr: ready.addr, rpc, stderr: () => err };
}

/**
 * CPU seconds (user + system, all threads), resident memory, and the seconds its main thread (the
 * event loop) spent runnable but waiting for a core (schedstat): on a shared 2-core machine that is
 * the time other processes took from it.
 */
export function procStat(pid: number): { cpuS: number; rssMiB: number; waitS: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(f[11]) + Number(f[12])) / CLK_TCK;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  const waitS = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  return { cpuS, rssMiB: m ? Number(m[1]) / 1024 : NaN, waitS };
}

/** CPU % of one core between successive calls, per pid. */
export class CpuMeter {
  readonly #last = new Map<number, { cpuS: number; waitS: number; t: number }>();

  /** CPU % of one core and the main thread's run-queue wait % since the last call. */
  sample(pid: number): { cpuPct: number; waitPct: number; rssMiB: number } {
    const s = procStat(pid);
    const t = performance.now() / 1000;
    const prev = this.#last.get(pid);
    this.#last.set(pid, { cpuS: s.cpuS, waitS: s.waitS, t });
    const cpuPct = prev ? (100 * (s.cpuS - prev.cpuS)) / (t - prev.t) : NaN;
    const waitPct = prev ? (100 * (s.waitS - prev.waitS)) / (t - prev.t) : NaN;
    return { cpuPct, waitPct, rssMiB: s.rssMiB };
  }
}
