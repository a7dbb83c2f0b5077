import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_FILE, loadOrCreatePrivateKey } from '../../relay/identity.ts';
import { EnvelopeStore, StoreError } from '../../relay/store.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'shh-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hashOf = (k: number): Uint8Array => {
  const h = new Uint8Array(32);
  new DataView(h.buffer).setUint32(0, k);
  return h;
};
const env = (k: number, expiry: number, size = 10) => ({ hash: hashOf(k), expiry, rlp: new Uint8Array(size).fill(k & 0xff) });

describe('EnvelopeStore', () => {
  it('put, get, duplicates, live order, delete expired by the injected clock', () => {
    let now = 1000_000; // ms
    const store = EnvelopeStore.open(tempDir(), { now: () => now });
    expect(store.put(env(1, 1010))).toBe(true);
    expect(store.put(env(2, 1005))).toBe(true);
    expect(store.put(env(1, 1010))).toBe(false);
    expect(store.get(hashOf(1))).toEqual(new Uint8Array(10).fill(1));
    expect(store.has(hashOf(3))).toBe(false);
    expect([...store.live()].map((e) => e.expiry)).toEqual([1005, 1010]);
    now = 1006_000;
    expect([...store.live()].map((e) => e.expiry)).toEqual([1010]); // expired rows are not loaded
    expect(store.count).toBe(2);
    expect(store.deleteExpired()).toBe(1);
    expect(store.count).toBe(1);
    expect(store.has(hashOf(2))).toBe(false);
    store.close();
  });

  it('keeps what it stored across close and reopen', () => {
    const dir = tempDir();
    const a = EnvelopeStore.open(dir);
    a.put(env(9, 4_000_000_000));
    a.close();
    const b = EnvelopeStore.open(dir);
    expect([...b.live()]).toEqual([{ hash: hashOf(9), expiry: 4_000_000_000, rlp: new Uint8Array(10).fill(9) }]);
    b.close();
  });

  it('a full store makes put throw StoreError, never a silent loss', () => {
    const store = EnvelopeStore.open(tempDir(), { maxBytes: 64 * 1024 });
    let stored = 0;
    expect(() => {
      for (let k = 0; k < 1000; k++) if (store.put(env(k, 4_000_000_000, 1000))) stored++;
    }).toThrow(StoreError);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(1000);
    expect(store.count).toBe(stored);
    store.close();
  });

  it('an unusable data folder is a clear StoreError naming it', () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    expect(() => EnvelopeStore.open(join(file, 'sub'))).toThrow(/cannot create data folder .*not-a-folder/);
  });

  it('a closed store refuses every call', () => {
    const store = EnvelopeStore.open(tempDir());
    store.close();
    expect(() => store.put(env(1, 5))).toThrow(StoreError);
    expect(() => store.count).toThrow(StoreError);
  });

  it('rejects a bad expiry as misuse', () => {
    const store = EnvelopeStore.open(tempDir());
    expect(() => store.put(env(1, -1))).toThrow(RangeError);
    expect(() => store.put(env(1, 1.5))).toThrow(RangeError);
    store.close();
  });

  it('every acked put survives SIGKILL of the writer', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures/store-writer.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = -1;
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          const m = /^acked (\d+)$/.exec(l);
          if (m) acked = Number(m[1]);
        }
        if (acked >= 200 && child.exitCode === null) child.kill('SIGKILL');
      });
    });
    expect(child.signalCode).toBe('SIGKILL');
    expect(acked).toBeGreaterThanOrEqual(200);
    const store = EnvelopeStore.open(dir);
    for (let k = 0; k <= acked; k++) expect(store.has(hashOf(k)), `envelope ${k}`).toBe(true);
    store.close();
  });
});

describe('relay identity', () => {
  it('is created once and the same key comes back', async () => {
    const dir = tempDir();
    const a = await loadOrCreatePrivateKey(dir);
    const b = await loadOrCreatePrivateKey(dir);
    expect(privateKeyToProtobuf(b)).toEqual(privateKeyToProtobuf(a));
    expect(a.type).toBe('Ed25519');
  });
  it('a damaged key file is an error, never silently replaced', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, KEY_FILE), 'garbage');
    await expect(loadOrCreatePrivateKey(dir)).rejects.toThrow(StoreError);
  });
});
