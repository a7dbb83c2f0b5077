// Fills a relay data folder with n live envelopes for bench/pool-scale.ts: distinct topics and
// ~256-byte payloads, sealed at a low PoW target, written in the schema relay/store.ts creates (one
// transaction, not n fsynced puts: filling is set-up, not what is measured).
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { encodeEnvelope, encodeShort, envelopeHash } from '../../src/core/envelope.ts';
import { leadingZeroBits, powHash, zerosForTarget } from '../../src/core/pow.ts';
import { DB_FILE, EnvelopeStore, rowChecksum } from '../../relay/store.ts';
import { validateEnvelope } from '../../src/core/validate.ts';

export interface FillOptions {
  /** Seconds each envelope lives, from now. */
  ttl: number;
  /** PoW target every envelope reaches (the relay's --min-pow or lower). */
  powTarget: number;
  /** Payload bytes. */
  dataBytes: number;
  /** Distinguishes envelope sets of different runs (different hashes). */
  seed: number;
}

/** Seals envelope i: topic and payload derived from (seed, i), so every envelope differs. */
export function sealEnvelope(i: number, now: number, o: FillOptions): Uint8Array {
  const data = new Uint8Array(o.dataBytes);
  const dv = new DataView(data.buffer);
  dv.setUint32(0, o.seed);
  dv.setUint32(4, i);
  for (let j = 8; j < data.length; j++) data[j] = (i * 31 + j * 7 + o.seed) & 0xff;
  const topic = new Uint8Array(4);
  new DataView(topic.buffer).setUint32(0, (i * 2654435761) >>> 0);
  // Spread expiries over a minute so the sync order is not one expiry bucket.
  const ttl = o.ttl + (i % 60);
  const p = { expiry: now + ttl, ttl, topic, data };
  const short = encodeShort(p);
  const need = zerosForTarget(o.powTarget, short.length, ttl);
  let nonce = 0n;
  while (leadingZeroBits(powHash(short, nonce)) < need) nonce++;
  return encodeEnvelope({ ...p, nonce });
}

/** Writes n envelopes into `dir` (created with the relay's schema); returns their RLP bytes summed. */
export function fillDataDir(dir: string, n: number, o: FillOptions): { bytes: number; ms: number } {
  const t = performance.now();
  EnvelopeStore.open(dir).close(); // the relay's schema and pragmas
  const db = new DatabaseSync(join(dir, DB_FILE));
  db.exec('PRAGMA synchronous = OFF');
  // The row as the relay writes it (relay/store.ts: with its PoW and checksum) where the schema has them.
  const columns = new Set((db.prepare('PRAGMA table_info(envelopes)').all() as { name: string }[]).map((c) => c.name));
  const withSum = columns.has('sum');
  const put = withSum
    ? db.prepare('INSERT OR IGNORE INTO envelopes (hash, expiry, rlp, pow, sum) VALUES (?, ?, ?, ?, ?)')
    : db.prepare('INSERT OR IGNORE INTO envelopes (hash, expiry, rlp) VALUES (?, ?, ?)');
  const now = Math.floor(Date.now() / 1000);
  let bytes = 0;
  db.exec('BEGIN');
  for (let i = 0; i < n; i++) {
    const rlp = sealEnvelope(i, now, o);
    const ttl = o.ttl + (i % 60);
    const hash = envelopeHash(rlp);
    if (withSum) {
      const v = validateEnvelope(rlp, { minPow: 0, maxSize: 1 << 20, now });
      if (v.kind !== 'accept') throw new Error(`sealed envelope ${i} not valid: ${v.kind}`);
      put.run(hash, now + ttl, rlp, v.envelope.pow, rowChecksum(hash, now + ttl, v.envelope.pow, rlp));
    } else put.run(hash, now + ttl, rlp);
    bytes += rlp.length;
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  const store = EnvelopeStore.open(dir);
  const count = store.count;
  store.close();
  if (count !== n) throw new Error(`stored ${count} envelopes, expected ${n}`);
  return { bytes, ms: performance.now() - t };
}
