// Relay faults, with real relay processes on loopback: kill -9 in the middle of a stream of
// posts, a partition between two groups of relays through a TCP proxy we cut and heal, an unusable
// data folder, and a disk that fills up at run time. Every process is killed by pid afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvelopeStore, StoreError } from '../../relay/store.ts';
import { cleanup, freePort, startRelay, tempDataDir, waitFor, wsClient, type RelayProcess } from './harness.ts';

const MAIN = join(import.meta.dirname, '../../relay/main.ts');
const SYM_KEY = '0x' + 'a5'.repeat(32);
// Large envelopes fill a small disk quickly; at the default minimum PoW each would take seconds to seal.
const LOW_POW = ['--min-pow', '0.001'];
type Info = { messages: number };
type Notification = { subscription: string; result: Record<string, unknown> };

const mounts: string[] = [];
const keyIds = new WeakMap<RelayProcess, string>();

afterAll(async () => {
  await cleanup();
  for (const m of mounts.splice(0)) await unmount(m);
});

/** Mounts a tmpfs (root only); undefined with the reason when this machine will not. */
function mountTmpfs(options: string): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'shh-fault-mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `mount -t tmpfs -o ${options} failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}` };
  }
  mounts.push(dir);
  return { dir };
}

async function unmount(dir: string): Promise<void> {
  // A relay killed a moment ago may still hold its files open.
  for (let i = 0; i < 20; i++) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch {
      await sleep(250);
    }
  }
  execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  rmSync(dir, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function keyId(r: RelayProcess): Promise<string> {
  let id = keyIds.get(r);
  if (!id) keyIds.set(r, (id = (await r.rpc('shh_addSymKey', [SYM_KEY])) as string));
  return id;
}

/** shh_post through `r`: the hash it acknowledged, or the JSON-RPC error it answered. */
async function post(r: RelayProcess, topic: string, payload: string, powTarget = 0.25): Promise<{ hash: string } | { code: number; message: string }> {
  const params = [{ symKeyID: await keyId(r), ttl: 300, topic, payload, powTime: 5, powTarget }];
  try {
    return { hash: (await r.rpc('shh_post', params)) as string };
  } catch (e) {
    const { code, message } = e as { code?: number; message: string };
    if (code === undefined) throw e; // no answer at all: the relay is gone
    return { code, message: message.replace(/^shh_post: /, '') };
  }
}

/** The hashes of the envelopes on `topic` in the relay's pool (a new filter starts with them). */
async function poolHashes(r: RelayProcess, topic: string): Promise<string[]> {
  const f = await r.rpc('shh_newMessageFilter', [{ symKeyID: await keyId(r), topics: [topic] }]);
  const got = (await r.rpc('shh_getFilterMessages', [f])) as { hash: string }[];
  await r.rpc('shh_deleteMessageFilter', [f]);
  return got.map((m) => m.hash).sort();
}

async function subscribe(r: RelayProcess, topic: string) {
  const sub = await wsClient(r.rpcUrl);
  const key = (await sub.call('shh_addSymKey', [SYM_KEY])) as string;
  await sub.call('shh_subscribe', ['messages', { symKeyID: key, topics: [topic] }]);
  return { ...sub, hashes: () => sub.notifications.map((n: Notification) => n.result.hash as string) };
}

const peers = async (r: RelayProcess): Promise<number> => Number(await r.rpc('net_peerCount'));
const ports = (r: RelayProcess): string[] => ['--port', /\/tcp\/(\d+)\//.exec(r.addr)![1]!, '--rpc-port', new URL(r.rpcUrl).port];
const peerId = (r: RelayProcess): string => r.addr.split('/p2p/')[1]!;

/** kill -9, then the same ports, data folder and identity: what browsers and --peer relays redial. */
async function killAndRestart(r: RelayProcess, args: string[] = []): Promise<{ relay: RelayProcess; readyAt: number }> {
  r.child.kill('SIGKILL');
  expect((await r.exited).signal).toBe('SIGKILL');
  const relay = await startRelay([...ports(r), ...args], r.data);
  return { relay, readyAt: Date.now() };
}

const count = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;
// Each log line opens with an ISO timestamp and a level (relay/log.ts).
const STAMP = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
/** The log lines after the start-up ones ("starting", "serving"), without their timestamps. */
const events = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(new RegExp(`^${STAMP} `), ''))
    .filter((l) => !/^info (starting|serving) /.test(l));

describe('kill -9 in the middle of a stream of posts', () => {
  it('every acknowledged envelope survives and reaches subscribers on the other relay exactly once; the other relay redials within 5 s', async () => {
    const topic = '0xfa170001';
    const a = await startRelay();
    // DEBUG: B prints each failed dial, so the test can see how far its backoff went.
    const b = await withEnv('DEBUG', 'shh:relay', () => startRelay(['--peer', a.addr]));
    await waitFor('B connected to A', async () => (await peers(a)) === 1);
    const sub = await subscribe(b, topic);

    // Three posters, so posts are in flight when the relay dies.
    const acked: string[] = [];
    let stop = false;
    const poster = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const r = await post(a, topic, `0x${w.toString(16).padStart(2, '0')}${i.toString(16).padStart(6, '0')}`).catch(() => undefined);
        if (!r) return; // the relay died under this request: not acknowledged
        if ('hash' in r) acked.push(r.hash);
      }
    };
    const posters = [0, 1, 2].map(poster);
    await waitFor('10 posts acknowledged', async () => acked.length >= 10, 60_000);
    a.child.kill('SIGKILL');
    stop = true;
    await Promise.all(posters);
    const ackedAtKill = [...acked];

    // A supervisor's restart delay: A comes back only after B's fourth failed dial. Plain doubling
    // from 1 s would then wait 16 s before the next dial; B must dial again within seconds.
    const failedDials = () => count(b.stderr(), new RegExp(`^${STAMP} debug error event on ws://127\\.0\\.0\\.1:${ports(a)[1]}/`));
    const before = failedDials();
    await waitFor('four failed dials from B', async () => failedDials() - before >= 4, 60_000).catch((e) => {
      throw new Error(`${e}; B said: ${b.stderr().slice(-3000)}`);
    });
    const { relay: a2, readyAt } = await killAndRestart(a);
    await waitFor('B back on A', async () => (await peers(a2)) === 1, 15_000);
    const reconnectMs = Date.now() - readyAt;
    await waitFor('every acknowledged envelope at the subscriber', async () => ackedAtKill.every((h) => sub.hashes().includes(h)), 20_000);
    const deliveredMs = Date.now() - readyAt;
    console.log(`faults: ${ackedAtKill.length} acknowledged before kill -9; B reconnected ${reconnectMs} ms after A was ready, all at B's subscriber after ${deliveredMs} ms`);

    expect(reconnectMs).toBeLessThan(5000); // the reconnection goal (the relay redials every second for a minute after a drop)
    const inA = await poolHashes(a2, topic);
    for (const h of ackedAtKill) expect(inA).toContain(h);
    const seen = sub.hashes();
    expect(new Set(seen).size).toBe(seen.length); // nothing twice
    sub.close();
  }, 120_000);
});

/** A TCP proxy on the only link between two groups: cut() drops every connection and refuses new ones. */
async function tcpProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return void client.resetAndDestroy();
    const upstream = connect(targetPort, '127.0.0.1');
    const end = () => {
      for (const s of [client, upstream]) {
        sockets.delete(s);
        s.destroy();
      }
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', end).on('close', end);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => {
      open = false;
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
    },
    heal: () => void (open = true),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a partition between two groups of relays', () => {
  it('heals by itself: both groups end with the same pool', async () => {
    const topic = '0xfa170002';
    // Only the links a --peer names may exist. Relays learn each other's advertised addresses
    // (identify, relay records) and some of their protocols dial a peer by its id: the mix layer
    // sends frames and cover to every mix whose key it knows. So each relay advertises an address
    // nobody listens on (the discard port), and --relay-peers 0 keeps relay discovery from dialling.
    const alone = async (args: string[] = []): Promise<{ relay: RelayProcess; port: number; addr: string }> => {
      const port = await freePort();
      const relay = await startRelay(['--port', String(port), '--announce', '/ip4/127.0.0.1/tcp/9/ws', '--relay-peers', '0', ...args]);
      return { relay, port, addr: `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${peerId(relay)}` };
    };
    const B1 = await alone();
    const b1 = B1.relay;
    const proxy = await tcpProxy(B1.port);
    try {
      const b2 = (await alone(['--peer', B1.addr])).relay;
      const A1 = await alone(['--peer', `/ip4/127.0.0.1/tcp/${proxy.port}/ws/p2p/${peerId(b1)}`]);
      const a1 = A1.relay;
      const a2 = (await alone(['--peer', A1.addr])).relay;
      const all = [a1, a2, b1, b2];
      await waitFor('A1 and B1 linked through the proxy', async () => (await peers(a1)) === 2 && (await peers(b1)) === 2, 30_000);

      const first = await post(a2, topic, '0x00');
      if (!('hash' in first)) throw new Error(first.message);
      const has = async (rs: RelayProcess[], hashes: string[]) => {
        for (const r of rs) {
          const inR = await poolHashes(r, topic);
          if (!hashes.every((h) => inR.includes(h))) return false;
        }
        return true;
      };
      await waitFor('the first envelope everywhere', () => has(all, [first.hash]), 30_000);

      proxy.cut();
      await waitFor('the link is down', async () => (await peers(a1)) === 1 && (await peers(b1)) === 1, 15_000);
      const sideA: string[] = [];
      const sideB: string[] = [];
      for (const [r, side, payload] of [[a1, sideA, '0x0a01'], [a2, sideA, '0x0a02'], [b1, sideB, '0x0b01'], [b2, sideB, '0x0b02']] as const) {
        const p = await post(r, topic, payload);
        if (!('hash' in p)) throw new Error(p.message);
        side.push(p.hash);
      }
      await waitFor('each side has its own envelopes', async () => (await has([a1, a2], sideA)) && (await has([b1, b2], sideB)), 30_000);
      // The cut held: neither side saw the other's (no other path between the groups).
      for (const r of [a1, a2]) for (const h of sideB) expect(await poolHashes(r, topic)).not.toContain(h);
      for (const r of [b1, b2]) for (const h of sideA) expect(await poolHashes(r, topic)).not.toContain(h);

      proxy.heal();
      const healedAt = Date.now();
      const everything = [first.hash, ...sideA, ...sideB].sort();
      await waitFor('one pool on both sides', () => has(all, everything), 60_000);
      const healMs = Date.now() - healedAt;
      console.log(`faults: partition healed, all four relays hold the same ${everything.length} envelopes ${healMs} ms after the proxy accepted again`);
      for (const r of all) expect(await poolHashes(r, topic)).toEqual(everything);
      for (const r of all) expect(((await r.rpc('shh_info')) as Info).messages).toBe(everything.length);
    } finally {
      proxy.cut();
      await proxy.close();
    }
  }, 180_000);
});

/** Runs the relay until it exits (it must, here); kills it by pid if it does not within 30 s. */
async function runToExit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--rpc-port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('an unusable data folder', () => {
  it('a path under a regular file: exit 1, one line naming the folder and ENOTDIR, never listening', async () => {
    const file = join(tempDataDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    const data = join(file, 'data');
    const r = await runToExit(['--data', data]);
    expect(r.code).toBe(1);
    expect(events(r.stderr)).toEqual([`error cannot create data folder ${data}: ENOTDIR: not a directory, mkdir '${data}'`]);
    expect(r.stdout).not.toMatch(/listening/);
  }, 40_000);

  it('a read-only file system: exit 1, one line naming the folder and EROFS, never listening', async (ctx) => {
    const m = mountTmpfs('ro,size=1m');
    if ('reason' in m) return ctx.skip(m.reason);
    const r = await runToExit(['--data', m.dir]);
    expect(r.code).toBe(1);
    expect(events(r.stderr)).toEqual([`error data folder ${m.dir} is not writable: EROFS: read-only file system, access '${m.dir}'`]);
    expect(r.stdout).not.toMatch(/listening/);
    const sub = join(m.dir, 'sub');
    const r2 = await runToExit(['--data', sub]);
    expect(r2.code).toBe(1);
    expect(events(r2.stderr)).toEqual([`error cannot create data folder ${sub}: EROFS: read-only file system, access '${m.dir}'`]);
  }, 60_000);
});

/** Fills what is left of the file system holding `file` (the relay's disk is full after this). */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 0xff);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

async function withEnv<T>(name: string, value: string, f: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value; // spawn copies the environment when it starts the relay
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

const REFUSING = new RegExp(`^${STAMP} warn refusing envelopes until the store can write again: `);
const big = (i: number, bytes: number) => '0x' + i.toString(16).padStart(8, '0') + 'ee'.repeat(bytes);

describe('a disk that fills up while the relay runs', () => {
  it('refuses posts and gossip it cannot keep (one stderr line), forwards none of them, keeps every acknowledged one, and recovers when space returns', async (ctx) => {
    const m = mountTmpfs('size=3m');
    if ('reason' in m) return ctx.skip(m.reason);
    const topic = '0xfa170003';
    const gossipTopic = '0xfa170004';
    const data = join(m.dir, 'data');
    const a = await startRelay(LOW_POW, data);
    const b = await startRelay([...LOW_POW, '--peer', a.addr]);
    await waitFor('B connected to A', async () => (await peers(a)) === 1);
    const sub = await subscribe(b, topic);

    // Large posts until the disk is full; near the limit a write may still fit between refusals.
    const acked: string[] = [];
    const refusals: { code: number; message: string }[] = [];
    for (let i = 0; refusals.length < 3 && i < 300; i++) {
      const r = await post(a, topic, big(i, 40_000), 0.002);
      if ('hash' in r) acked.push(r.hash);
      else refusals.push(r);
    }
    expect(refusals).toHaveLength(3);
    expect(acked.length).toBeGreaterThan(10);
    for (const r of refusals) {
      expect(r.code).toBe(-32603);
      expect(r.message).toMatch(
        new RegExp(`^envelope not stored, not sent: cannot store envelope in ${join(data, 'envelopes.sqlite')}: database or disk is full \\(\\d+ bytes free on its disk\\)$`),
      );
    }
    // Now only the room a failed write left in SQLite's journal remains, which a few small ones fill.
    fillDisk(join(m.dir, 'filler'));
    for (let i = 0; refusals.length < 4 && i < 50; i++) {
      const r = await post(a, topic, `0x${i.toString(16).padStart(4, '0')}`, 0.002);
      if ('hash' in r) acked.push(r.hash);
      else refusals.push(r);
    }
    expect(refusals[3]).toMatchObject({ code: -32603, message: expect.stringMatching(/database or disk is full \(0 bytes free on its disk\)$/) });
    let refusedOnA = refusals.length;

    // Nothing refused went anywhere: B's subscriber gets exactly the acknowledged envelopes.
    await waitFor('every acknowledged envelope at B', async () => acked.every((h) => sub.hashes().includes(h)), 30_000);
    await sleep(2000); // the stem's release delay is at most 1 s: anything else would be here by now
    expect(sub.hashes().sort()).toEqual([...acked].sort());

    // Gossip from B while A is full: ignored (not in A's pool), and not held against B. As rejects,
    // 8 would put B far below gossipsub's graylist (-10 x 8^2) for over a minute.
    const gossiped: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await post(b, gossipTopic, big(i, 40_000), 0.002); // larger than the journal's slack
      if (!('hash' in r)) throw new Error(r.message);
      gossiped.push(r.hash);
    }
    refusedOnA += gossiped.length;
    await sleep(3000);
    expect(await poolHashes(a, gossipTopic)).toEqual([]);

    // Catch-up while full: a relay holding B's envelopes (a copy of B's store, its own identity)
    // dials A, whose sync session is offered the 8 and refuses them.
    const copy = tempDataDir();
    for (const f of ['envelopes.sqlite', 'envelopes.sqlite-wal']) copyFileSync(join(b.data, f), join(copy, f));
    const c = await startRelay([...LOW_POW, '--peer', a.addr], copy);
    expect(await poolHashes(c, gossipTopic)).toEqual([...gossiped].sort());
    await waitFor('C on A', async () => (await peers(a)) === 2, 15_000);
    await sleep(3000);
    expect(await poolHashes(a, gossipTopic)).toEqual([]);
    expect(await a.rpc('net_listening')).toBe(true);
    expect(count(a.stderr(), REFUSING)).toBe(1); // one line, however many were refused
    // All it said: no line per envelope, and nothing about the catch-up session's refusals.
    expect(events(a.stderr())).toHaveLength(1);
    expect(events(a.stderr())[0]).toMatch(/^warn refusing envelopes until the store can write again: cannot store envelope in \S+: database or disk is full \(\d+ bytes free on its disk\)$/);

    // Space returns: the relay stores again by itself and says so once.
    rmSync(join(m.dir, 'filler'));
    execFileSync('mount', ['-o', 'remount,size=16m', m.dir]);
    const spaceAt = Date.now();
    const after: string[] = [];
    await waitFor(
      'A storing again',
      async () => {
        const r = await post(a, topic, '0x02', 0.002);
        if ('hash' in r) after.push(r.hash);
        return /storing envelopes again/.test(a.stderr());
      },
      30_000,
    );
    const again = /storing envelopes again \((\d+) refused meanwhile\)/.exec(a.stderr());
    console.log(
      `faults: 3 MiB tmpfs: ${acked.length} posts acknowledged, ${refusals.length} refused over RPC, ${gossiped.length} by gossip and again by catch-up; ` +
        `"storing envelopes again (${again?.[1]} refused meanwhile)" ${Date.now() - spaceAt} ms after space returned; stderr had ${a.stderr().split('\n').length - 1} lines`,
    );
    expect(Number(again?.[1])).toBeGreaterThanOrEqual(refusedOnA + gossiped.length); // gossip and catch-up reached A, and were refused
    acked.push(...after);
    await waitFor('posts after recovery at B', async () => after.every((h) => sub.hashes().includes(h)), 15_000);
    const later = await post(b, gossipTopic, '0x99', 0.002);
    if (!('hash' in later)) throw new Error(later.message);
    await waitFor("B's gossip reaches A again (B was not penalised)", async () => (await poolHashes(a, gossipTopic)).includes(later.hash), 15_000);
    sub.close();

    // Every acknowledged envelope survives kill -9; what A refused comes back through catch-up.
    const { relay: a2 } = await killAndRestart(a, LOW_POW);
    const inA = await poolHashes(a2, topic);
    for (const h of acked) expect(inA).toContain(h);
    const fromB = [...gossiped, later.hash].sort();
    await waitFor('the refused gossip back on A through catch-up', async () => (await poolHashes(a2, gossipTopic)).join() === fromB.join(), 30_000);
    expect(count(a2.stderr(), REFUSING)).toBe(0);
  }, 240_000);

  it('WHISPER_MAX_STORE_BYTES caps the store: the refusal names the cap, and a restart with a higher cap keeps everything acknowledged', async () => {
    const bad = await withEnv('WHISPER_MAX_STORE_BYTES', '10MB', () => runToExit(['--data', tempDataDir()]));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('whisper-relay: WHISPER_MAX_STORE_BYTES: expected a whole number of bytes >= 65536, got "10MB"\n');

    const topic = '0xfa170005';
    const a = await withEnv('WHISPER_MAX_STORE_BYTES', '262144', () => startRelay(LOW_POW));
    const acked: string[] = [];
    let refused: { code: number; message: string } | undefined;
    for (let i = 0; !refused && i < 100; i++) {
      const r = await post(a, topic, big(i, 20_000), 0.002);
      if ('hash' in r) acked.push(r.hash);
      else refused = r;
    }
    expect(acked.length).toBeGreaterThan(3);
    expect(refused).toEqual({
      code: -32603,
      message: `envelope not stored, not sent: cannot store envelope in ${join(a.data, 'envelopes.sqlite')}: database or disk is full (the size cap of 262144 bytes is reached)`,
    });
    expect(count(a.stderr(), REFUSING)).toBe(1);

    const { relay: a2 } = await withEnv('WHISPER_MAX_STORE_BYTES', String(4 << 20), () => killAndRestart(a, LOW_POW));
    expect(await poolHashes(a2, topic)).toEqual([...acked].sort());
    expect(await post(a2, topic, big(1000, 20_000), 0.002)).toHaveProperty('hash');
  }, 120_000);

  it('the expiry sweep on a full disk reports a StoreError and works again once space returns (in process)', async (ctx) => {
    const m = mountTmpfs('size=1m');
    if ('reason' in m) return ctx.skip(m.reason);
    let clock = 1_700_000_000_000;
    const changes: string[] = [];
    const store = EnvelopeStore.open(join(m.dir, 'data'), {
      now: () => clock,
      onWritable: (writable, { refused }) => changes.push(`${writable} ${refused}`),
    });
    try {
      const expiry = clock / 1000 + 60;
      let n = 0;
      const put = () => store.put({ hash: crypto.getRandomValues(new Uint8Array(32)), expiry, rlp: new Uint8Array(2000) });
      for (; n < 10_000; n++) {
        try {
          put();
        } catch {
          break;
        }
      }
      fillDisk(join(m.dir, 'filler'));
      expect(put).toThrow(StoreError);
      expect(changes).toEqual(['false 1']); // once, not per refusal
      clock += 120_000; // everything has expired, yet deleting it needs room in the journal
      let sweep: unknown;
      try {
        store.deleteExpired();
      } catch (e) {
        sweep = e;
      }
      expect(sweep).toBeInstanceOf(StoreError);
      expect((sweep as StoreError).op).toBe('sweep');
      expect((sweep as StoreError).message).toMatch(/^cannot delete expired envelopes from .*envelopes\.sqlite: database or disk is full \(0 bytes free on its disk\)$/);
      // Deleting rows that still sit in the write-ahead log needs about as much room again.
      rmSync(join(m.dir, 'filler'));
      execFileSync('mount', ['-o', 'remount,size=4m', m.dir]);
      expect(store.deleteExpired()).toBe(n);
      put();
      expect(changes).toEqual(['false 1', 'true 2']);
    } finally {
      store.close();
    }
  });
});
