// A static file server for the demo DApps (`npm start`, test/browser/demos.test.ts): one folder on
// 127.0.0.1 only, GET/HEAD only, folders answer with their index.html, and no path may leave the
// folder (resolved paths are checked, so `..` and encoded slashes cannot escape it). Mounts serve
// further folders under a URL prefix with the same rules (the demos reach packages/ as /packages/).

import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface DirServer {
  url: string; // http://127.0.0.1:PORT
  port: number;
  close(): Promise<void>;
}

/** The demos: examples/ at /, and packages/ at /packages/ for the DApp package they import by name. */
export const serveExamples = (port = 0): Promise<DirServer> => {
  const repo = resolve(import.meta.dirname, '..');
  return serveDir(join(repo, 'examples'), port, { '/packages/': join(repo, 'packages') });
};

/**
 * Serves `root` on 127.0.0.1:`port` (0 picks a free one), and each mount's folder under its URL
 * prefix (ending in '/'); rejects with the listen error (EADDRINUSE…).
 */
export async function serveDir(root: string, port = 0, mounts: Record<string, string> = {}): Promise<DirServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return void res.writeHead(400).end();
    }
    const prefix = Object.keys(mounts).find((m) => path.startsWith(m));
    const base = resolve(prefix ? mounts[prefix]! : root);
    const inFolder = prefix ? path.slice(prefix.length - 1) : path;
    let file = resolve(join(base, inFolder));
    if (file !== base && !file.startsWith(base + sep)) return void res.writeHead(404).end();
    let stat = statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      // /chat -> /chat/, so the page's relative links resolve inside its folder
      if (!path.endsWith('/')) return void res.writeHead(301, { location: path + '/' }).end();
      file = join(file, 'index.html');
      stat = statSync(file, { throwIfNoEntry: false });
    }
    if (!stat?.isFile()) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => (server.off('error', fail), ok()));
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
