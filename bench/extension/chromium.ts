// Shared parts of the extension benchmarks (bench/extension-*.ts): a Chromium profile with the built
// extension and a DevTools port (test/browser/peer-inspect.ts), presented as the harness's
// BrowserSession so its `onboard` and `connectSite` drive it; DevTools calls to any extension target;
// /proc accounting of the profile's processes; the machine and its load. Lives in a subfolder so
// scripts/bench.mjs does not run it as a bench of its own.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { CHROMIUM, wrapPw, type BrowserSession, type TestPage } from '../../test/browser/harness.ts';
import { launchChromiumPeer, type PeerBrowser } from '../../test/browser/peer-inspect.ts';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, cond: () => Promise<boolean>, ms = 60_000, everyMs = 250): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `stop` (close browsers, relays) when the bench is interrupted, so nothing it started outlives it. */
export function stopOnSignal(stop: () => Promise<void>): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void stop().finally(() => process.exit(130)));
}

const profiles: string[] = [];
/** A profile folder the bench removes in `removeProfiles` (reusable across launches). */
export function newProfile(): string {
  const d = mkdtempSync(join(tmpdir(), 'shh-bench-profile-'));
  profiles.push(d);
  return d;
}
export const removeProfiles = (): void => {
  for (const d of profiles.splice(0)) rmSync(d, { recursive: true, force: true });
};


export type Profile = BrowserSession &
  PeerBrowser & {
    context: BrowserContext;
    dir: string;
    /** DevTools calls on the first extension target whose type ('' for any) and URL match. */
    cdp(type: string, urlEnd: string, method: string, params?: object): Promise<Record<string, unknown>>;
    /** Opens the extension's popup page and sends one popup-channel request from it. */
    popup(op: string, params: object): Promise<unknown>;
  };

/** Launches (or relaunches) `dir` with the extension; the peer host is up when this resolves. */
export async function launchProfile(extensionDir: string, dir: string): Promise<Profile> {
  const peer = await launchChromiumPeer(extensionDir, dir);
  const { context } = peer;
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionOrigin = worker.url().split('/').slice(0, 3).join('/');
  const port = Number(readFileSync(join(dir, 'DevToolsActivePort'), 'utf8').split('\n')[0]);
  const profile: Profile = {
    ...peer,
    name: 'chromium',
    dir,
    extensionOrigin,
    newPage: async (): Promise<TestPage> => wrapPw(await context.newPage()),
    async waitForExtensionPage(fragment, { timeoutMs = 15_000, except = [] } = {}) {
      const match = (p: Page) => p.url().startsWith(extensionOrigin) && p.url().includes(fragment) && !except.includes(p.url()) && !p.isClosed();
      const page = context.pages().find(match) ?? (await context.waitForEvent('page', { predicate: match, timeout: timeoutMs }));
      await page.waitForLoadState('domcontentloaded');
      return wrapPw(page);
    },
    async cdp(type, urlEnd, method, params = {}) {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; url: string; webSocketDebuggerUrl: string }[];
      const t = targets.find((x) => (type === '' || x.type === type) && x.url.startsWith(extensionOrigin) && x.url.endsWith(urlEnd));
      if (!t) throw new Error(`no ${type} target ${urlEnd}`);
      return cdpCall(t.webSocketDebuggerUrl, method, params);
    },
    async popup(op, params) {
      const page = await context.newPage();
      try {
        await page.goto(`${extensionOrigin}/popup.html`);
        const r = (await page.evaluate(
          ([o, p]) => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage({ channel: 'shh-popup', op: o, params: p }),
          [op, params] as const,
        )) as { result?: unknown; error?: unknown };
        if (!r || r.error) throw new Error(`popup ${op}: ${JSON.stringify(r)}`);
        return r.result;
      } finally {
        await page.close();
      }
    },
  };
  return profile;
}

/** One DevTools method on one target; `enable` domains are enabled first when the method needs it. */
async function cdpCall(wsUrl: string, method: string, params: object): Promise<Record<string, unknown>> {
  const ws = new WebSocket(wsUrl);
  await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));
  try {
    const calls: [string, object][] = method.startsWith('Performance.') ? [['Performance.enable', {}], [method, params]] : [[method, params]];
    let last: Record<string, unknown> = {};
    for (const [i, [m, p]] of calls.entries()) {
      last = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const onMsg = (d: unknown) => {
          const msg = JSON.parse(String(d)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
          if (msg.id !== i + 1) return;
          ws.off('message', onMsg);
          if (msg.error) reject(new Error(`${m}: ${msg.error.message}`));
          else resolve(msg.result ?? {});
        };
        ws.on('message', onMsg);
        ws.send(JSON.stringify({ id: i + 1, method: m, params: p }));
      });
    }
    return last;
  } finally {
    ws.close();
  }
}

/** JS heap of the service worker and the offscreen document (bytes used, from Runtime.getHeapUsage). */
export async function extensionHeaps(p: Profile): Promise<{ worker: number; offscreen: number }> {
  const used = async (type: string, url: string) => Number((await p.cdp(type, url, 'Runtime.getHeapUsage')).usedSize);
  return { worker: await used('service_worker', '/background.js'), offscreen: await used('', '/offscreen.html') };
}

// ---- /proc ----

export interface ProcSample {
  pid: number;
  kind: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
  rssKiB: number;
  pssKiB: number;
}

/** What a Chromium process is, from its command line. */
function kind(cmd: string[]): string {
  const type = cmd.find((a) => a.startsWith('--type='))?.slice(7);
  if (!type) return 'browser';
  if (type === 'renderer') return cmd.includes('--extension-process') ? 'extension renderer' : 'other renderers';
  if (type === 'utility') {
    const sub = cmd.find((a) => a.startsWith('--utility-sub-type='))?.slice(19) ?? '';
    return sub.includes('Network') ? 'network service' : sub.includes('Storage') ? 'storage service (IndexedDB)' : 'other utility';
  }
  return type === 'gpu-process' ? 'gpu' : type;
}

/** Every live process whose command line contains `marker` (the profile folder). */
export function sampleProcs(marker: string): ProcSample[] {
  const out: ProcSample[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Chromium's children rewrite their title: one space-separated string instead of NUL-separated args.
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split(/[\0 ]/);
      if (!cmd.some((a) => a.includes(marker))) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on
      const rollup = readFileSync(`/proc/${name}/smaps_rollup`, 'utf8');
      const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
      out.push({ pid: Number(name), kind: kind(cmd), ticks: Number(f[11]) + Number(f[12]), rssKiB: kib('Rss'), pssKiB: kib('Pss') });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export interface ProcUsage {
  kind: string;
  processes: number;
  cpuSeconds: number;
  rssMiB: number;
  pssMiB: number;
}

const TICK = 100; // USER_HZ, `getconf CLK_TCK` on Linux

/** CPU spent between two samples and memory at the second, per kind and for the whole browser. */
export function usage(before: ProcSample[], after: ProcSample[]): ProcUsage[] {
  const start = new Map(before.map((s) => [s.pid, s.ticks]));
  const rows = new Map<string, ProcUsage>();
  const add = (k: string, s: ProcSample) => {
    const r = rows.get(k) ?? { kind: k, processes: 0, cpuSeconds: 0, rssMiB: 0, pssMiB: 0 };
    r.processes++;
    r.cpuSeconds += (s.ticks - (start.get(s.pid) ?? 0)) / TICK;
    r.rssMiB += s.rssKiB / 1024;
    r.pssMiB += s.pssKiB / 1024;
    rows.set(k, r);
  };
  for (const s of after) {
    add(s.kind, s);
    add('whole browser', s);
  }
  return [...rows.values()].sort((a, b) => (a.kind === 'whole browser' ? 1 : b.kind === 'whole browser' ? -1 : a.kind.localeCompare(b.kind)));
}

// ---- reporting ----

export function machine(): string {
  return `${cpus().length} CPUs (${cpus()[0]?.model.trim()}), Node ${process.version}, Chromium ${chromiumVersion()}`;
}

function chromiumVersion(): string {
  const r = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return /\d+\.\d+\.\d+\.\d+/.exec(r.stdout ?? '')?.[0] ?? 'unknown';
}

export const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}
