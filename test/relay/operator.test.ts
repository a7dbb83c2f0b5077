// The operator's flags on a real relay process: --version, --host, --announce and the log lines.
// Every process is started here or by the harness and killed by pid afterwards.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, freePort, startRelay } from './harness.ts';

const MAIN = join(import.meta.dirname, '../../relay/main.ts');
const PKG = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

afterAll(cleanup);

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('--version', () => {
  it("prints package.json's version and exits 0, without starting anything", async () => {
    const r = await run(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${PKG.version}\n`, stderr: '' });
  }, 40_000);
});

describe('--host and --announce', () => {
  it('listening lines are the announced addresses with /p2p/<id>, in order; the listener is on --host', async () => {
    const port = await freePort();
    const r = await startRelay([
      '--port', String(port), '--host', '127.0.0.1',
      '--announce', '/dns4/relay.example.org/tcp/443/wss', '--announce', `/ip4/127.0.0.1/tcp/${port}/ws`,
    ]);
    const id = r.addr.split('/p2p/')[1];
    expect(id).toMatch(/^12D3KooW/);
    expect(r.addrs).toEqual([`/dns4/relay.example.org/tcp/443/wss/p2p/${id}`, `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${id}`]);
  }, 60_000);

  it('--host alone: the listener is on that address only', async () => {
    const r = await startRelay(['--host', '127.0.0.1']);
    expect(r.addrs).toHaveLength(1);
    expect(r.addrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW\w+$/);
  }, 40_000);

  it('without --host the listener is on every interface (0.0.0.0), so loopback is among the addresses', async () => {
    const r = await startRelay();
    expect(r.addrs.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true);
  }, 40_000);
});

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (error|warn|info|debug) (.*)$/;

describe('logs', () => {
  it('text: one line per event with an ISO timestamp and a level; debug lines only at --log-level debug', async () => {
    const r = await startRelay();
    const lines = r.stderr().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(LINE);
    expect(lines[0]).toMatch(new RegExp(`^\\S+ info starting version=${PKG.version.replace(/\./g, '\\.')} node=24\\.`));
    expect(lines.some((l) => / info serving envelopes=0 addresses=\d+$/.test(l))).toBe(true);
    expect(r.stderr()).not.toMatch(/12D3KooW/); // no peer ids below debug
    expect(r.stderr()).not.toMatch(/ debug /);
    r.child.kill('SIGTERM');
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(r.stderr()).toMatch(/ info stopping signal=SIGTERM\n.* info stopped\n$/);
  }, 40_000);

  it('json: every line is one JSON object with time, level and msg', async () => {
    const r = await startRelay(['--log-format', 'json', '--log-level', 'warn']);
    expect(r.stderr()).toBe(''); // info lines are below --log-level warn
    r.child.kill('SIGTERM');
    const d = await startRelay(['--log-format', 'json', '--log-level', 'debug', '--peer', '/ip4/127.0.0.1/tcp/1/ws']);
    const lines = d.stderr().trimEnd().split('\n').map((l) => JSON.parse(l) as { time: string; level: string; msg: string; version?: string });
    for (const l of lines) {
      expect(new Date(l.time).toISOString()).toBe(l.time);
      expect(['error', 'warn', 'info', 'debug']).toContain(l.level);
      expect(typeof l.msg).toBe('string');
    }
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'starting', version: PKG.version });
  }, 60_000);

  it('a start failure is one error line after "starting", exit 1, never listening', async () => {
    const file = join(import.meta.dirname, '../../package.json');
    const r = await run(['--port', '0', '--rpc-port', '0', '--data', join(file, 'data')]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\S+Z error cannot create data folder .*package\.json\/data: ENOTDIR: not a directory/);
    expect(r.stdout).toBe('');
  }, 40_000);

  it('a usage error stays one plain line (no log configured yet), exit 2', async () => {
    const r = await run(['--log-level', 'loud']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'whisper-relay: --log-level: expected one of error, warn, info, debug, got "loud"\n' });
  }, 40_000);
});
