// Direct TLS on the libp2p port (relay/tls.ts): a relay given an openssl self-signed certificate
// listens on /tls/ws, a libp2p node dials it over wss, and SIGHUP swaps in a renewed certificate
// without a restart (a bad one is refused and the old one kept). Processes are killed by pid.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createWhisperNode, type WhisperLibp2p } from '../../src/net/node.ts';
import { cleanup, startRelay, tempDataDir, waitFor } from './harness.ts';

const nodes: WhisperLibp2p[] = [];
afterAll(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await cleanup();
});

/** A fresh self-signed P-256 certificate for localhost and 127.0.0.1, written to `dir`. */
function makeCert(dir: string, name: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'pipe' });
  return { cert, key, fingerprint: new X509Certificate(execFileSync('cat', [cert])).fingerprint256 };
}

/** The certificate the server shows in a plain TLS handshake. */
function served(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256;
      s.destroy();
      if (fp) resolve(fp);
      else reject(new Error('no certificate'));
    });
    s.once('error', reject);
  });
}

describe('--tls-cert / --tls-key', () => {
  it('listens on /tls/ws, a libp2p node dials it over wss, SIGHUP reloads the certificate', async () => {
    const dir = tempDataDir();
    const one = makeCert(dir, 'one');
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    writeFileSync(live.cert, execFileSync('cat', [one.cert]));
    writeFileSync(live.key, execFileSync('cat', [one.key]));
    const r = await startRelay(['--host', '127.0.0.1', '--tls-cert', live.cert, '--tls-key', live.key]);
    expect(r.addrs).toHaveLength(1);
    expect(r.addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/tls\/ws\/p2p\/12D3KooW\w+$/);
    const port = Number(/\/tcp\/(\d+)\//.exec(r.addr)![1]);
    expect(await served(port)).toBe(one.fingerprint);

    // A libp2p client over wss (the test trusts the self-signed certificate through Node's switch).
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const client = await createWhisperNode({ role: 'test', listen: [], transports: [webSockets()] });
      nodes.push(client);
      await client.start();
      const conn = await client.dial(multiaddr(r.addr.replace('/ip4/127.0.0.1/', '/dns4/localhost/')));
      expect(conn.remotePeer.toString()).toBe(r.addr.split('/p2p/')[1]);
      await waitFor('the relay counts the client', async () => Number(await r.rpc('net_peerCount')) === 1);
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
    }

    // Renewed: new files in place, SIGHUP, new handshakes get the new certificate.
    const two = makeCert(dir, 'two');
    writeFileSync(live.cert, execFileSync('cat', [two.cert]));
    writeFileSync(live.key, execFileSync('cat', [two.key]));
    r.child.kill('SIGHUP');
    await waitFor('reloaded', async () => / info TLS certificate reloaded listeners=1 /.test(r.stderr()));
    expect(await served(port)).toBe(two.fingerprint);

    // A key that does not match: refused, the certificate in use stays, the relay keeps running.
    writeFileSync(live.key, execFileSync('cat', [one.key]));
    r.child.kill('SIGHUP');
    await waitFor('refused', async () => / error TLS certificate not reloaded, the old one stays in use: /.test(r.stderr()));
    expect(await served(port)).toBe(two.fingerprint);
    expect(await r.rpc('net_listening')).toBe(true);
  }, 90_000);

  it('a relay without TLS survives SIGHUP; a missing certificate file stops the start with exit 1 naming it', async () => {
    const r = await startRelay();
    r.child.kill('SIGHUP');
    await waitFor('logged', async () => / info SIGHUP: nothing to reload/.test(r.stderr()));
    expect(await r.rpc('net_listening')).toBe(true);
    const missing = join(tempDataDir(), 'none.crt');
    await expect(startRelay(['--tls-cert', missing, '--tls-key', missing])).rejects.toThrow(/exited with 1 before ready; stderr: [\s\S]* error --tls-cert .*none\.crt: ENOENT/);
  }, 60_000);
});
