// Processes of bench/pool-scale.ts: a relay (`node relay/main.ts`, with heap-probe.ts preloaded) or
// the fresh peer (peer.ts), spawned with timing from spawn to ready, and /proc readings of a pid:
// RSS, peak RSS, read/written bytes. Every process started here is killed by pid in killAll().
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const NODE = process.execPath;
const started: ChildProcess[] = [];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** VmRSS and VmHWM (peak) of a process, bytes. */
export function rssOf(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Bytes the process passed through read/write syscalls (sockets, pipes and files alike). */
export function ioOf(pid: number): { rchar: number; wchar: number } {
  const t = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { rchar: Number(/rchar: (\d+)/.exec(t)?.[1]), wchar: Number(/wchar: (\d+)/.exec(t)?.[1]) };
}

export interface RelayProc {
  child: ChildProcess;
  pid: number;
  addr: string;
  rpcUrl: string;
  /** Spawn to the `rpc` line, ms. */
  readyMs: number;
  spawnedAt: number;
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  /** process.memoryUsage() after a full GC, asked of the process over SIGUSR2. */
  heap: () => Promise<NodeJS.MemoryUsage>;
  stderr: () => string;
}

/** Spawns `relay/main.ts` of `root` (default this checkout; another checkout for a before/after run). */
export async function startRelay(data: string, args: string[], root = ROOT): Promise<RelayProc> {
  const memFile = join(data, '..', `mem-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  const spawnedAt = performance.now();
  const child = spawn(
    NODE,
    ['--expose-gc', '--import', join(ROOT, 'bench/pool-scale/heap-probe.ts'), join(root, 'relay/main.ts'), '--port', '0', '--rpc-port', '0', '--data', data, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POOL_SCALE_MEM: memFile } },
  );
  started.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const ready = await new Promise<{ addr: string; rpcUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay not ready in 10 min; stderr: ${err}`)), 600_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const rpc = /^rpc (\S+)$/m.exec(out);
      if (!rpc) return;
      clearTimeout(timer);
      resolve({ addr: /^listening (\/ip4\/127\.0\.0\.1\/\S+)$/m.exec(out)?.[1] ?? '', rpcUrl: rpc[1]! });
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}; stderr: ${err}`)));
  });
  const readyMs = performance.now() - spawnedAt;
  let id = 1;
  const rpc = async (method: string, params: unknown[] = []) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: id++, method, params });
    const post = () => fetch(ready.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // One retry: a kept-alive connection the server closed at the same moment fails with ECONNRESET.
    const res = await post().catch(() => sleep(200).then(post));
    const j = (await res.json()) as { result?: unknown; error?: { message: string } };
    if (j.error) throw new Error(`${method}: ${j.error.message}`);
    return j.result;
  };
  const heap = async () => {
    rmSync(memFile, { force: true });
    child.kill('SIGUSR2');
    for (let i = 0; i < 300 && !existsSync(memFile); i++) await sleep(100);
    const m = JSON.parse(readFileSync(memFile, 'utf8')) as NodeJS.MemoryUsage;
    rmSync(memFile, { force: true });
    rmSync(`${memFile}.tmp`, { force: true });
    return m;
  };
  return { child, pid: child.pid!, ...ready, readyMs, spawnedAt, rpc, heap, stderr: () => err };
}

export interface PeerResult {
  size: number;
  ms: number;
  rx: number;
  tx: number;
  rss: number;
  peakRss: number;
  heapUsed: number;
  poolBytes: number;
  errors: string[];
}

/** Runs peer.ts against `addr` until its pool holds `expected`; `onProgress` sees (size, ms). */
export async function runPeer(addr: string, expected: number, minPow: number, onProgress?: (n: number, ms: number) => void): Promise<PeerResult> {
  const child = spawn(NODE, ['--expose-gc', join(ROOT, 'bench/pool-scale/peer.ts'), addr, String(expected), String(minPow)], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    process.stderr.write(c);
  });
  return new Promise<PeerResult>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer did not finish in 15 min; stderr: ${err}`)), 900_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const m = JSON.parse(out.slice(0, nl)) as Record<string, unknown>;
        out = out.slice(nl + 1);
        if (typeof m.size === 'number' && typeof m.ms === 'number' && !m.done) onProgress?.(m.size, m.ms);
        if (m.done) {
          clearTimeout(timer);
          resolve(m as unknown as PeerResult);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`peer exited with ${code}; stderr: ${err}`));
    });
  });
}

/** Kills every process started here, by pid, and waits for them to exit. */
export async function killAll(): Promise<void> {
  await Promise.all(
    started.splice(0).map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }),
  );
}
