// The production install on a clean folder (no docker on this machine, so the Dockerfile is checked by
// doing its steps): (1) the repository's tracked files, `npm ci --omit=dev`, `npm run relay`: the relay
// starts on the Node 24 the `node` package brings, with no devDependency installed; (2) the Dockerfile's
// COPY and RUN steps in another folder, its ENTRYPOINT + CMD, and its HEALTHCHECK answering 0.
// npm uses its cache (--prefer-offline); every process started here is killed by pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];
/** Signals a child's whole process group: `npm run relay` runs the relay as a grandchild. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // ESRCH: the group is gone already
  }
}
afterAll(() => {
  for (const c of children) killGroup(c, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, 300_000); // removing two node_modules trees takes a while on a loaded machine

const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'shh-install-'));
  dirs.push(d);
  return d;
};

function npm(cwd: string, args: string[]): void {
  // The system npm, as on a fresh machine; --prefer-offline: the packages come from its cache here.
  execFileSync('npm', [...args, '--prefer-offline'], { cwd, stdio: 'pipe', timeout: 600_000, env: { ...process.env, NODE_ENV: 'production' } });
}

/** Starts a command and resolves with its stdout once a `listening` line is there. */
function startUntilListening(cmd: string, args: string[], cwd: string): Promise<{ child: ChildProcess; out: () => string; err: () => string }> {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true }); // its own group, see killGroup
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 60 s; stderr: ${err}`)), 60_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (/^rpc /m.test(out)) {
        clearTimeout(timer);
        resolve({ child, out: () => out, err: () => err });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}; stderr: ${err}`)));
  });
}

/** SIGTERM, and how it ended: the relay exits 0; npm, in between, may report the signal instead. */
async function stop(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  killGroup(child, 'SIGTERM');
  return exited;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// Packages only development needs (the lock file marks them dev): none may be installed. (Some
// devDependencies, such as @types/node, are also pulled in by runtime packages, so not marked.)
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
const devDependencies = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies)
  .filter((d) => lock.packages[`node_modules/${d}`]?.dev === true);

describe('npm ci --omit=dev, then npm run relay', () => {
  it('in a copy of the tracked files: the relay runs on the node package\'s Node 24, no devDependency installed', async () => {
    const dir = temp();
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      if (!existsSync(join(ROOT, f))) continue; // deleted in the work tree
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(ROOT, f), join(dir, f));
    }
    npm(dir, ['ci', '--omit=dev', '--no-audit', '--no-fund']);
    expect(devDependencies).toEqual(expect.arrayContaining(['vitest', 'typescript', 'vite']));
    for (const d of devDependencies) expect(existsSync(join(dir, 'node_modules', d)), d).toBe(false);
    expect(execFileSync(join(dir, 'node_modules/.bin/node'), ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
    const data = join(dir, 'data');
    // `npm run relay` puts node_modules/.bin first on PATH: the system Node 20 would crash libp2p 3.
    const r = await startUntilListening('npm', ['run', 'relay', '--', '--port', '0', '--rpc-port', '0', '--data', data], dir);
    expect(r.out()).toMatch(/^listening \/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW\w+$/m);
    expect(r.err()).toMatch(/ info starting version=\S+ node=24\./);
    expect([{ code: 0, signal: null }, { code: null, signal: 'SIGTERM' }]).toContainEqual(await stop(r.child));
  }, 900_000);
});

type Step = { op: string; args: string };

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): Step[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const sp = l.indexOf(' ');
      return { op: l.slice(0, sp).toUpperCase(), args: l.slice(sp + 1).trim() };
    });
}

const execForm = (args: string): string[] => JSON.parse(args) as string[];

describe('the Dockerfile, step by step in a clean folder (docker is not on this machine)', () => {
  it('non-root, a data volume, a HEALTHCHECK on /health; its COPY and RUN steps install, its ENTRYPOINT + CMD serve, its HEALTHCHECK passes', async () => {
    const steps = dockerfile();
    const one = (op: string): Step => {
      const s = steps.filter((x) => x.op === op);
      expect(s, op).toHaveLength(1);
      return s[0]!;
    };
    expect(one('FROM').args).toMatch(/^node:24[-.\w]*$/);
    expect(one('USER').args).not.toMatch(/^(root|0)$/);
    const volume = execForm(one('VOLUME').args);
    const workdir = one('WORKDIR').args;
    const health = one('HEALTHCHECK').args;
    expect(health).toMatch(/\/health/);
    const healthCmd = execForm(health.slice(health.indexOf('CMD ') + 4));
    const entry = [...execForm(one('ENTRYPOINT').args), ...execForm(one('CMD').args)];
    expect(entry.slice(0, 2)).toEqual(['node', 'relay/main.ts']);
    expect(entry).toContain(volume[0]); // the data folder is the volume

    const root = temp(); // stands for the image's file system
    const app = join(root, workdir);
    mkdirSync(app, { recursive: true });
    // The HEALTHCHECK asks the port the ENTRYPOINT gives --metrics-port.
    const imagePort = entry[entry.indexOf('--metrics-port') + 1]!;
    expect(healthCmd.join(' ')).toContain(`http://127.0.0.1:${imagePort}/health`);
    const metricsPort = String(await freePort());
    // The image's paths and ports, mapped into the clean folder: data on the "volume", free ports.
    const map = (s: string): string =>
      s === imagePort ? metricsPort : s.replaceAll(volume[0]!, join(root, volume[0]!)).replaceAll(`127.0.0.1:${imagePort}/`, `127.0.0.1:${metricsPort}/`);
    for (const s of steps) {
      if (s.op === 'COPY') {
        const parts = s.args.split(/\s+/);
        const dest = parts.pop()!;
        for (const src of parts) {
          const target = dest.endsWith('/') ? join(app, dest, src) : join(app, dest);
          cpSync(join(ROOT, src), target, { recursive: true });
        }
      } else if (s.op === 'RUN') {
        // Shell steps as written; `chown node:node` needs the image's user, which this machine lacks.
        const cmd = map(s.args).replace(/&& chown \S+ \S+$/, '');
        execFileSync('sh', ['-c', cmd], { cwd: app, stdio: 'pipe', timeout: 600_000, env: { ...process.env, npm_config_prefer_offline: 'true' } });
      }
    }
    for (const d of devDependencies) expect(existsSync(join(app, 'node_modules', d)), d).toBe(false);
    expect(existsSync(join(root, volume[0]!))).toBe(true);

    // `node` in the image is its Node 24: here, the one running this test.
    const args = entry.slice(1).map(map).map((a) => (a === '9090' ? '0' : a));
    const r = await startUntilListening(process.execPath, [...args, '--rpc-port', '0'], app);
    expect(r.out()).toMatch(/^listening \/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW\w+$/m);
    expect(existsSync(join(root, volume[0]!, 'identity.key'))).toBe(true);
    const check = healthCmd.map(map);
    expect(check[0]).toBe('node');
    execFileSync(process.execPath, check.slice(1), { stdio: 'pipe', timeout: 30_000 }); // throws unless it exits 0
    expect(await stop(r.child)).toEqual({ code: 0, signal: null });
    // And the HEALTHCHECK fails when nothing serves.
    expect(() => execFileSync(process.execPath, check.slice(1), { stdio: 'pipe', timeout: 30_000 })).toThrow();
  }, 900_000);
});
