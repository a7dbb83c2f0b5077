#!/usr/bin/env node
// `npm start`: the whole thing on one machine for a newcomer (README). Starts a relay (data in
// ./.whisper-relay) and two more mixing relays behind it (data in ./.tmp/whisper-mix-N; the extension
// sends dark by default, and a dark post needs paths through several mixes), builds the extension for Chrome and Firefox with that relay in its list, serves
// examples/ on 127.0.0.1, and opens Chromium with the extension when there is a display (profile in
// ./.tmp/chromium-profile); otherwise it prints what to load and where. Children run in their own
// process groups and are stopped by pid: Ctrl-C stops them cleanly, a second Ctrl-C kills them.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, relative, resolve } from 'node:path';
import { serveExamples } from './serve-dir.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RELAY_PORT = 9090; // docs/PROTOCOL.md §5 defaults, and the extension's built-in relay address
const RPC_PORT = 8545;
const WEB_PORT = 8000;
const DATA = join(ROOT, '.whisper-relay');
// When the default port is taken, maybe by a relay using DATA (`npm run relay`): two relays must
// never share a data folder (one identity, one database), so ours gets its own.
const SPARE_DATA = join(ROOT, '.tmp', 'whisper-relay');
const LOCK = join(ROOT, '.tmp', 'npm-start.pid');
const PROFILE = join(ROOT, '.tmp', 'chromium-profile');
const CHROME_DIR = join(ROOT, 'dist', 'chrome');
const FIREFOX_DIR = join(ROOT, 'dist', 'firefox');

const say = (line = '') => process.stdout.write(line + '\n');
const rel = (p) => relative(process.cwd(), p) || '.';

/** Children by role; each was spawned detached, so its pid is also its process group's id. */
const children = new Map();
let server;
let stopping = 0;

function signalGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the group: Chromium's helpers go with it
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function run(role, args, opts = {}) {
  const child = spawn(args[0], args.slice(1), { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.set(role, child);
  child.once('exit', () => children.get(role) === child && children.delete(role));
  return child;
}

const exited = (child) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));

async function stop(code) {
  stopping++;
  if (stopping > 1) {
    say('\nForcing: killing everything npm start started.');
    for (const child of children.values()) signalGroup(child, 'SIGKILL');
    process.exit(130);
  }
  say('\nStopping (Ctrl-C again to force)…');
  const browser = children.get('chromium');
  if (browser) signalGroup(browser, 'SIGTERM');
  const build = children.get('build');
  if (build) signalGroup(build, 'SIGTERM');
  // A relay closes its store and libp2p on SIGINT.
  for (const [role, child] of children) if (role === 'relay' || role.startsWith('mix-')) signalGroup(child, 'SIGINT');
  await server?.close();
  const all = Promise.all([...children.values()].map(exited));
  const late = await Promise.race([all.then(() => false), new Promise((r) => setTimeout(() => r(true), 15_000).unref())]);
  if (late) for (const child of children.values()) signalGroup(child, 'SIGKILL');
  say('Stopped.');
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
// If this process dies some other way, take the children with it.
process.on('exit', () => {
  for (const child of children.values()) signalGroup(child, 'SIGKILL');
  if (readPid() === process.pid) rmSync(LOCK, { force: true });
});

function readPid() {
  try {
    return Number(readFileSync(LOCK, 'utf8'));
  } catch {
    return undefined;
  }
}

/** One `npm start` per checkout: a second one would start a second relay on the same folder. */
function takeLock() {
  const pid = readPid();
  if (pid && pid !== process.pid && existsSync(`/proc/${pid}`)) {
    process.stderr.write(`npm start: already running (pid ${pid}); stop it with Ctrl-C in its terminal first.\n`);
    process.exit(1);
  }
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  writeFileSync(LOCK, String(process.pid));
}

/** Parks the main flow once a stop began (a Ctrl-C during the build makes the build "fail"). */
const never = new Promise(() => {});
const halt = () => (stopping ? never : undefined);

async function fail(message) {
  await halt();
  process.stderr.write(`npm start: ${message}\n`);
  await stop(1);
}

/** Whether `port` can be bound on `host` right now. */
const portFree = (port, host) =>
  new Promise((ok) => {
    const probe = createServer();
    probe.once('error', () => ok(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => ok(true)));
  });

/** Starts a relay; resolves to its listen addresses and RPC URL once it printed them. */
function startRelay(port, rpcPort, data, role = 'relay', extra = []) {
  const child = run(role, [process.execPath, join(ROOT, 'relay', 'main.ts'), '--port', String(port), '--rpc-port', String(rpcPort), '--data', data, ...extra]);
  child.stderr.on('data', (c) => process.stderr.write(String(c).replace(/^(?=.)/gm, `${role}: `)));
  return new Promise((ok, no) => {
    let out = '';
    const onData = (c) => {
      out += c;
      const rpc = /^rpc (\S+)$/m.exec(out);
      if (!rpc) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      ok({ addrs: [...out.matchAll(/^listening (\S+)$/gm)].map((m) => m[1]), rpc: rpc[1] });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => no(new Error(`${role} exited (code ${code}) before it was ready`)));
  });
}

function build(relays) {
  const env = { ...process.env };
  if (relays === undefined) delete env.WHISPER_RELAYS;
  else env.WHISPER_RELAYS = relays;
  const child = run('build', [process.execPath, join(ROOT, 'scripts', 'build.mjs')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((ok, no) => child.once('exit', (code) => (code === 0 ? ok() : no(new Error(`the build failed (code ${code})`)))));
}

/** A Chromium-family browser that still honours --load-extension (Google Chrome 137+ does not). */
function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of ['chromium', 'chromium-browser'])
    for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

function loadByHand(demos) {
  say('Load the extension by hand:');
  say(`  Chrome / Chromium / Edge / Brave: open chrome://extensions, turn on Developer mode,`);
  say(`    click "Load unpacked" and choose ${CHROME_DIR}`);
  say(`  Firefox: open about:debugging, click "This Firefox", "Load Temporary Add-on…"`);
  say(`    and choose ${join(FIREFOX_DIR, 'manifest.json')}`);
  say(`Then: a Whisper tab opens to choose the extension's password (first run only),`);
  say(`and the demos are at ${demos}`);
}

// ---- main ----

takeLock();
say('Starting Whisper: relay, extension build, demo pages.');
const relayPortFree = await portFree(RELAY_PORT, '0.0.0.0');
const rpcPortFree = await portFree(RPC_PORT, '127.0.0.1');
const data = relayPortFree ? DATA : SPARE_DATA;
if (!relayPortFree)
  say(`Port ${RELAY_PORT} is in use (another relay?): this relay takes a free port and keeps its data in ${rel(SPARE_DATA)}/; the extension is built for it.`);
if (!rpcPortFree) say(`Port ${RPC_PORT} is in use: the relay's JSON-RPC takes a free port instead.`);

let relay;
try {
  relay = await startRelay(relayPortFree ? RELAY_PORT : 0, rpcPortFree ? RPC_PORT : 0, data);
} catch (e) {
  await fail(e.message);
}
const loopback = relay.addrs.find((a) => a.startsWith('/ip4/127.0.0.1/') && a.includes('/ws/'));
for (const a of relay.addrs) say(`relay: listening ${a}`);
say(`relay: rpc ${relay.rpc} (data in ${rel(data)}/)`);

// Two more relays behind the first, on free ports: mixes for dark posts (docs/PRIVACY.md). The
// extension learns their keys from the first relay, so it needs only that one in its list.
const MIXES = 2;
for (let i = 1; i <= MIXES; i++) {
  const mixData = join(ROOT, '.tmp', `whisper-mix-${i}`);
  try {
    const mix = await startRelay(0, 0, mixData, `mix-${i}`, ['--host', '127.0.0.1', '--peer', loopback ?? relay.addrs[0]]);
    say(`mix-${i}: listening ${mix.addrs.find((a) => a.startsWith('/ip4/127.0.0.1/')) ?? mix.addrs[0]} (data in ${rel(mixData)}/)`);
  } catch (e) {
    await fail(e.message);
  }
}
await halt();

// The extension's built-in default is this relay's default port on loopback, with no peer id, so a
// build made here keeps working after the relay's data folder is deleted. Another port: name it.
const relays = process.env.WHISPER_RELAYS ?? (relayPortFree ? undefined : loopback);
say(`Building the extension (dist/chrome, dist/firefox) for relay ${relays ?? '/ip4/127.0.0.1/tcp/9090/ws'}…`);
try {
  await build(relays);
} catch (e) {
  await fail(e.message);
}
await halt();

try {
  server = await serveExamples(WEB_PORT);
} catch (e) {
  if (e.code !== 'EADDRINUSE') await fail(`cannot serve examples/: ${e.message}`);
  server = await serveExamples(0);
  say(`Port ${WEB_PORT} is in use: the demo pages are served on port ${server.port} instead.`);
}
await halt();
const demos = `${server.url}/`;

say('');
say('Whisper is running:');
say(`  demo DApps   ${demos}`);
say(`  relay        ${loopback ?? relay.addrs[0]}`);
say(`  relay RPC    ${relay.rpc}`);
say(`  mixes        ${MIXES} more relays behind it, so that dark posts (on by default) have three-relay paths`);
say(`  extension    ${rel(CHROME_DIR)}/ (Chromium-based browsers), ${rel(FIREFOX_DIR)}/ (Firefox)`);
say('');

const display = process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
const chromium = display ? findChromium() : undefined;
if (chromium) {
  mkdirSync(PROFILE, { recursive: true });
  const browser = run('chromium', [
    chromium,
    `--user-data-dir=${PROFILE}`,
    `--disable-extensions-except=${CHROME_DIR}`,
    `--load-extension=${CHROME_DIR}`,
    '--no-first-run',
    '--no-default-browser-check',
    demos,
  ]);
  browser.stdout.resume();
  browser.stderr.resume(); // Chromium is chatty on stderr; its window is what matters
  say(`Opened Chromium with the extension (profile ${rel(PROFILE)}/).`);
  say('First run: the Whisper tab asks you to choose a password; then open a demo and click Connect.');
  say('For a second user, load the extension in another browser or profile by hand (below).');
  browser.once('exit', () => stopping || say('Chromium closed; the relay and the demo pages keep running.'));
} else if (display) {
  say('No Chromium found (set CHROMIUM=/path/to/chromium to use one).');
}
if (!chromium) say(display ? '' : 'No display (DISPLAY is not set), so no browser was opened.');
loadByHand(demos);
say('');
say('Ctrl-C stops everything npm start started.');
