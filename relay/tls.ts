// Direct TLS on the libp2p WebSocket port (--tls-cert, --tls-key): the listener speaks wss
// (`/tls/ws`), so browsers on https pages can dial the relay without a reverse proxy. The PEM files
// are read at start and again on SIGHUP (a renewed certificate, e.g. from certbot); a reload that
// fails (missing file, key not matching the certificate) keeps the certificate in use and says why.

import type { Libp2p } from '@libp2p/interface';
import { readFileSync } from 'node:fs';
import { createSecureContext, type Server as TlsServer } from 'node:tls';

export interface TlsFiles {
  cert: string;
  key: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** Reads and checks the pair (a key that does not match its certificate fails here). Throws Error naming the file. */
export function readTls(files: TlsFiles): TlsMaterial {
  const read = (flag: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`${flag} ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  const material = { cert: read('--tls-cert', files.cert), key: read('--tls-key', files.key) };
  try {
    createSecureContext(material);
  } catch (e) {
    throw new Error(`--tls-cert ${files.cert} / --tls-key ${files.key}: ${(e as Error).message}`, { cause: e });
  }
  return material;
}

/** The listen address for a host and port: `/tls/ws` with TLS, `/ws` without. */
export function listenAddress(host: string, port: number, tls: boolean): string {
  return `/${host.includes(':') ? 'ip6' : 'ip4'}/${host}/tcp/${port}/${tls ? 'tls/ws' : 'ws'}`;
}

// @libp2p/websockets keeps its https.Server on the listener (`https`) and offers no reload; Node's
// tls.Server.setSecureContext swaps the certificate for new handshakes without closing anything.
type ListenerWithHttps = { https?: TlsServer };
type WithTransportManager = { components?: { transportManager?: { getListeners(): unknown[] } } };

/** Puts the files' certificate into every TLS WebSocket listener of `node`; returns how many. Throws on bad files. */
export function reloadTls(node: Libp2p, files: TlsFiles): number {
  const material = readTls(files);
  const listeners = (node as unknown as WithTransportManager).components?.transportManager?.getListeners();
  if (!listeners) throw new Error('this libp2p version does not expose its listeners: restart the relay to use the new certificate');
  let n = 0;
  for (const l of listeners) {
    const server = (l as ListenerWithHttps).https;
    if (server && typeof server.setSecureContext === 'function') {
      server.setSecureContext(material);
      n++;
    }
  }
  return n;
}
