// One WebSocket message per Noise frame (src/net/ws-frames.ts): what one send hands a WebSocket
// connection (Noise's length and ciphertext) goes out as a single message, same bytes, same count;
// connections that are not the WebSocket transport's are left alone.
import { describe, expect, it } from 'vitest';
import type { MultiaddrConnection } from '@libp2p/interface';
import { oneMessagePerSend } from '../../src/net/ws-frames.ts';

function chunks(...parts: number[][]): Iterable<Uint8Array> & { byteLength: number } {
  const list = parts.map((p) => Uint8Array.from(p));
  return Object.assign(list, { byteLength: list.reduce((n, p) => n + p.length, 0) });
}

function fakeWsConn() {
  const sent: Uint8Array[] = [];
  const conn = {
    websocket: {},
    sendData(data: Iterable<Uint8Array> & { byteLength: number }) {
      for (const buf of data) sent.push(buf); // like @libp2p/websockets: one message per chunk
      return { sentBytes: data.byteLength, canSendMore: true };
    },
  };
  return { conn, sent };
}

describe('one WebSocket message per Noise frame', () => {
  it('joins the chunks of one send into one message with the same bytes and byte count', () => {
    const { conn, sent } = fakeWsConn();
    expect(oneMessagePerSend(conn as unknown as MultiaddrConnection)).toBe(true);
    const r = conn.sendData(chunks([0, 3], [1, 2, 3], [9]));
    expect(sent).toEqual([Uint8Array.of(0, 3, 1, 2, 3, 9)]);
    expect(r).toEqual({ sentBytes: 6, canSendMore: true });
    conn.sendData(chunks([7]));
    expect(sent[1]).toEqual(Uint8Array.of(7));
  });

  it('leaves connections without a websocket alone', () => {
    const other = { sendData: () => ({ sentBytes: 0, canSendMore: true }) };
    const before = other.sendData;
    expect(oneMessagePerSend(other as unknown as MultiaddrConnection)).toBe(false);
    expect(other.sendData).toBe(before);
  });

  it('matches the transport it wraps: @libp2p/websockets still sends one message per chunk', async () => {
    // If an upgrade of @libp2p/websockets joins chunks itself (or renames sendData), this wrapper is
    // dead weight or a no-op: this test notices either.
    const src = await import('node:fs').then((fs) => fs.readFileSync(new URL('../../node_modules/@libp2p/websockets/dist/src/websocket-to-conn.js', import.meta.url), 'utf8'));
    expect(src).toMatch(/sendData\(data\) \{\s*for \(const buf of data\) \{\s*this\.websocket\.send\(/);
  });
});
