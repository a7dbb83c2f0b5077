// The deployment files say what they should and pass options the relay accepts: the systemd unit is
// hardened (StateDirectory, ProtectSystem=strict, NoNewPrivileges, a restart policy) and its
// ExecStart parses; the Dockerfile's ENTRYPOINT + CMD parse. (production-install.test.ts runs them.)
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../relay/cli.ts';

const ROOT = join(import.meta.dirname, '../..');
const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');

describe('deploy/whisper-relay.service', () => {
  const unit = read('deploy/whisper-relay.service').replace(/\\\n\s*/g, '');
  const directives = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!]);
  }
  const one = (k: string): string | undefined => directives.get(k)?.at(-1);

  it('is hardened and restarts on failure', () => {
    expect(one('StateDirectory')).toBe('whisper-relay');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('Restart')).toBe('on-failure');
    expect(one('DynamicUser') ?? one('User')).toBeDefined();
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('RestrictAddressFamilies')).toContain('AF_NETLINK'); // os.networkInterfaces()
    expect(one('ExecReload')).toMatch(/kill -HUP \$MAINPID/);
  });

  it('starts the relay with options it accepts, its data in the state directory', () => {
    const exec = one('ExecStart')!.split(/\s+/);
    expect(exec.slice(0, 2)).toEqual(['/opt/whisper/node_modules/.bin/node', 'relay/main.ts']);
    const r = parseArgs(exec.slice(2).map((a) => a.replace('${STATE_DIRECTORY}', '/var/lib/whisper-relay')));
    if (r.help || r.version) throw new Error('unexpected');
    expect(r.options.data).toBe('/var/lib/whisper-relay');
    expect(r.options.metricsPort).toBeDefined();
  });

  it('systemd-analyze: verify finds nothing but the absent install; the offline security exposure is low', (ctx) => {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) return ctx.skip('no systemd-analyze here');
    const unitFile = join(ROOT, 'deploy/whisper-relay.service');
    const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8', timeout: 60_000 });
    const complaints = `${verify.stdout}${verify.stderr}`.split('\n').filter(Boolean).filter((l) => !/\/opt\/whisper\/node_modules\/\.bin\/node is not executable/.test(l));
    expect(complaints).toEqual([]);
    const security = execFileSync('systemd-analyze', ['security', '--offline=yes', unitFile], { encoding: 'utf8', timeout: 60_000 });
    const level = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(security)?.[1]);
    expect(level).toBeLessThan(3); // systemd's scale: 0 locked down .. 10 exposed
  }, 120_000);
});

describe('Dockerfile', () => {
  it('ENTRYPOINT + CMD are options the relay accepts; data on the volume', () => {
    const text = read('Dockerfile').replace(/\\\n/g, ' ');
    const json = (op: string): string[] => JSON.parse(new RegExp(`^${op} (\\[.*\\])$`, 'm').exec(text)![1]!) as string[];
    const args = [...json('ENTRYPOINT'), ...json('CMD')];
    const r = parseArgs(args.slice(2));
    if (r.help || r.version) throw new Error('unexpected');
    expect(json('VOLUME')).toEqual([r.options.data]);
    expect(r.options.metricsPort).toBe(9100);
  });
});
