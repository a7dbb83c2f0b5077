// Helpers of the sync tests: seeded item sets (reproducible), the symmetric-difference bookkeeping,
// and, self-contained on purpose, a bare libp2p node on the memory transport plus an in-memory pool.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { memory } from '@libp2p/memory';
import { createLibp2p } from 'libp2p';
import { toHex } from '../../src/core/bytes.ts';
import { decodeEnvelope, encodeEnvelope, envelopeHash } from '../../src/core/envelope.ts';
import { SortedItems, type SyncItem } from '../../src/net/sync/items.ts';

export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32: enough spread for test data, and the same every run
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

export function randomItems(n: number, rand: () => number, expiryFrom: number, spread = 3600): SyncItem[] {
  const out: SyncItem[] = [];
  for (let i = 0; i < n; i++) {
    const hash = new Uint8Array(32);
    for (let j = 0; j < 32; j += 4) new DataView(hash.buffer).setUint32(j, rand());
    // few distinct expiries, so many items share one and bounds need hash prefixes
    out.push({ expiry: expiryFrom + (rand() % spread), hash });
  }
  return out;
}

export const keys = (ids: Iterable<Uint8Array>): string[] => [...ids].map((h) => toHex(h, false)).sort();
export const itemKeys = (items: Iterable<SyncItem>): string[] => keys([...items].map((i) => i.hash));

/** A stock libp2p 3 node on the memory transport, nothing else: the sync tests bring their own protocol. */
let nodeCount = 0;
export async function createSyncNode() {
  const node = await createLibp2p({
    addresses: { listen: [`/memory/sync-test-${Date.now()}-${nodeCount++}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  await node.start();
  return node;
}
export type SyncTestNode = Awaited<ReturnType<typeof createSyncNode>>;

/** An in-memory envelope pool exposing what sync needs; `receive` stores anything it has not seen. */
export class TestPool {
  readonly items = new SortedItems();
  readonly rlps = new Map<string, Uint8Array>();
  /** Envelopes whose first data byte is 0xbad... are answered 'reject', as validation would. */
  rejectMarked = true;

  add(rlp: Uint8Array): boolean {
    const env = decodeEnvelope(rlp);
    const hash = envelopeHash(rlp);
    const key = toHex(hash, false);
    if (this.rlps.has(key)) return false;
    this.rlps.set(key, rlp);
    this.items.add({ expiry: env.expiry, hash });
    return true;
  }

  readonly getEnvelope = (hash: Uint8Array): Uint8Array | undefined => this.rlps.get(toHex(hash, false));

  readonly receive = async (rlp: Uint8Array): Promise<'accept' | 'ignore' | 'reject'> => {
    const env = decodeEnvelope(rlp);
    if (this.rejectMarked && env.data[0] === 0xba && env.data[1] === 0xd0) return 'reject';
    return this.add(rlp) ? 'accept' : 'ignore';
  };

  keys(): string[] {
    return [...this.rlps.keys()].sort();
  }
}

/** An envelope RLP, distinct per seed (no PoW: the test pools do not check it). */
export function testEnvelope(seed: number, expiry: number, bad = false): Uint8Array {
  const data = new Uint8Array(40);
  new DataView(data.buffer).setUint32(4, seed);
  if (bad) data.set([0xba, 0xd0]);
  return encodeEnvelope({ expiry, ttl: 60, topic: Uint8Array.of(1, 2, 3, 4), data, nonce: BigInt(seed) });
}
