// Test harness for relay processes: spawns `node relay/main.ts`, waits for its `listening` and `rpc`
// lines, talks JSON-RPC over HTTP and WebSocket, and kills exactly the processes it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';

const MAIN = join(import.meta.dirname, '../../relay/main.ts');

export interface RelayProcess {
  child: ChildProcess;
  data: string;
  addrs: string[];
  /** The loopback listen address with /p2p/<id>. */
  addr: string;
  rpcUrl: string;
  /** `http://127.0.0.1:N` of /metrics and /health, when started with --metrics-port. */
  metricsUrl: string | undefined;
  stdout: () => string;
  stderr: () => string;
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  /** The raw JSON-RPC response of an arbitrary body. */
  raw: (body: string | Uint8Array<ArrayBuffer>) => Promise<{ status: number; json: unknown }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
const dirs: string[] = [];

export const tempDataDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'shh-relay-'));
  dirs.push(d);
  return d;
};

/** A port nobody listens on right now (a relay binds it a moment later). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Runs main.ts with `args` (plus --port 0 --rpc-port 0 unless given) and waits until it is ready. */
export async function startRelay(args: string[] = [], data = tempDataDir()): Promise<RelayProcess> {
  const full = ['--port', '0', '--rpc-port', '0', '--data', data, ...args];
  const child = spawn(process.execPath, [MAIN, ...full], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<{ addrs: string[]; rpcUrl: string; metricsUrl: string | undefined }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay not ready in 30 s; stderr: ${err}`)), 30_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const rpc = /^rpc (\S+)$/m.exec(out);
      if (!rpc) return;
      clearTimeout(timer);
      const addrs = [...out.matchAll(/^listening (\S+)$/gm)].map((m) => m[1] as string);
      resolve({ addrs, rpcUrl: rpc[1] as string, metricsUrl: /^metrics (\S+)$/m.exec(out)?.[1] });
    });
    void exited.then(({ code }) => reject(new Error(`relay exited with ${code} before ready; stderr: ${err}`)));
  });
  const addr = ready.addrs.find((a) => a.startsWith('/ip4/127.0.0.1/'));
  if (!addr) throw new Error(`no loopback address in ${ready.addrs.join(', ')}`);
  let nextId = 1;
  const raw = async (body: string | Uint8Array<ArrayBuffer>) => {
    const res = await fetch(ready.rpcUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const rpc = async (method: string, params: unknown[] = []) => {
    const { json } = await raw(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }));
    const r = json as { result?: unknown; error?: { code: number; message: string } };
    if (r.error) throw Object.assign(new Error(`${method}: ${r.error.message}`), { code: r.error.code });
    return r.result;
  };
  return { child, data, addrs: ready.addrs, addr, rpcUrl: ready.rpcUrl, metricsUrl: ready.metricsUrl, stdout: () => out, stderr: () => err, rpc, raw, exited };
}

/** Kills every process this harness started (by pid) and removes the data folders. */
export async function cleanup(): Promise<void> {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function waitFor<T>(what: string, f: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A JSON-RPC WebSocket client that records notifications. */
export async function wsClient(rpcUrl: string) {
  const ws = new WebSocket(rpcUrl.replace(/^http/, 'ws') + '/');
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const pending = new Map<number, (r: { result?: unknown; error?: { code: number; message: string } }) => void>();
  const notifications: { subscription: string; result: Record<string, unknown> }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.method === 'shh_subscription') notifications.push(m.params);
    else pending.get(m.id)?.(m);
  });
  let id = 1;
  const call = (method: string, params: unknown[] = []) =>
    new Promise<unknown>((resolve, reject) => {
      const n = id++;
      pending.set(n, (r) => (r.error ? reject(Object.assign(new Error(r.error.message), { code: r.error.code })) : resolve(r.result)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, params }));
    });
  return { ws, call, notifications, close: () => ws.close() };
}
