// bench/load.ts and its client processes: the IPC messages, the latency histogram's range and the
// envelope the clients post (low PoW, the envelope id and send time in the first 12 bytes of data).

import { encodeEnvelope, encodeShort } from '../../src/core/envelope.ts';
import { leadingZeroBits, powHash, zerosForTarget } from '../../src/core/pow.ts';

/** Latencies are counted per millisecond up to this bound; later ones land in the last bucket. */
export const HISTOGRAM_MS = 120_000;

export type ToClient =
  | { type: 'setup'; relay: string; count: number; minPow: number; dialsPerSecond: number; sendPath: string | undefined; announce: boolean }
  | { type: 'count' }
  | { type: 'post'; index: number; id: number; size: number; ttl: number; minPow: number }
  | { type: 'report' }
  | { type: 'stop' };

export interface ClientReport {
  type: 'report';
  /** [latency ms, arrivals] for every non-empty bucket. */
  hist: Array<[number, number]>;
  /** [envelope id, arrivals at this process's peers]. */
  arrivals: Array<[number, number]>;
  posted: number;
  postErrors: number;
  late: number;
  disconnects: number;
  connected: number;
  meshed: number;
}

export type FromClient = ClientReport | { type: 'ready'; withRelay: number } | { type: 'count'; announcements: number } | { type: 'error'; message: string };

/** An envelope whose data starts with id (u32) and send time (f64 ms), sealed to `minPow`. */
export function seal(id: number, sentMs: number, size: number, ttl: number, minPow: number): Uint8Array {
  const data = new Uint8Array(Math.max(12, size));
  const view = new DataView(data.buffer);
  view.setUint32(0, id);
  view.setFloat64(4, sentMs);
  for (let i = 12; i < data.length; i++) data[i] = (id * 31 + i * 7) & 0xff;
  const p = { expiry: Math.floor(sentMs / 1000) + ttl, ttl, topic: Uint8Array.of(0x10, 0xad, 0xbe, 0x0c), data };
  const short = encodeShort(p);
  const need = zerosForTarget(minPow, short.length, ttl);
  let nonce = 0n;
  while (leadingZeroBits(powHash(short, nonce)) < need) nonce++;
  return encodeEnvelope({ ...p, nonce });
}

export function readStamp(data: Uint8Array): { id: number; sentMs: number } | undefined {
  if (data.length < 12) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { id: view.getUint32(0), sentMs: view.getFloat64(4) };
}
