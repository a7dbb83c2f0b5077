// A relay killed (kill -9) in the middle of a catch-up stream loses nothing it acknowledged: each
// batch mark is answered only once the batch is on disk (docs/SYNC.md). The other side is stock
// libp2p writing raw /shh/6/sync/1.0.0 frames as an initiator that wants nothing and pushes its
// envelopes in batches, several in flight, as the sender does; it kills the relay as soon as a few
// marks came back, then opens the relay's data folder.
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvelopeStore } from '../../relay/store.ts';
import { toHex } from '../../src/core/bytes.ts';
import { SYNC_PROTOCOL, SYNC_VERSION } from '../../src/core/constants.ts';
import { envelopeHash } from '../../src/core/envelope.ts';
import { cleanup, startRelay } from './harness.ts';
import { flood, flooder, nodes } from './protocol-flood.ts';

const FRAME_ENVELOPE = 2;
const FRAME_END = 3;
const FRAME_MARK = 4;
const PER_BATCH = 40;
const BATCHES = 20;
const KILL_AFTER = 4;

afterAll(async () => {
  for (const n of nodes.splice(0)) await n.stop();
  await cleanup();
});

describe('a relay killed mid-catch-up', () => {
  it('has on disk every envelope of every batch it acknowledged', async () => {
    const relay = await startRelay(['--min-pow', '0', '--host', '127.0.0.1']);
    const node = await flooder();
    nodes.push(node);
    const envs = flood(7000, PER_BATCH * BATCHES); // within a new neighbour's burst allowance
    const stream = await node.dialProtocol(multiaddr(relay.addr), SYNC_PROTOCOL);
    const lp = lpStream(stream, { maxDataLength: 1 << 20 });
    await lp.write(Uint8Array.of(SYNC_VERSION, FRAME_END)); // no reconciliation, an empty want list
    expect((await lp.read()).subarray().at(1)).toBe(FRAME_END); // the relay has nothing we asked for
    // Every batch goes out at once: the relay stores them in order and answers each mark.
    const frames: Uint8Array[] = [];
    for (let b = 0; b < BATCHES; b++) {
      for (const e of envs.slice(b * PER_BATCH, (b + 1) * PER_BATCH)) {
        const f = new Uint8Array(2 + e.length);
        f.set([SYNC_VERSION, FRAME_ENVELOPE]);
        f.set(e, 2);
        frames.push(f);
      }
      frames.push(Uint8Array.of(SYNC_VERSION, FRAME_MARK));
    }
    const writing = lp.writeV(frames).catch(() => undefined); // the relay dies while it is written
    let acked = 0;
    while (acked < KILL_AFTER) {
      const f = (await lp.read()).subarray();
      expect(f.at(1)).toBe(FRAME_MARK);
      acked++;
    }
    relay.child.kill('SIGKILL');
    expect((await relay.exited).signal).toBe('SIGKILL');
    stream.abort(new Error('relay killed'));
    await writing;

    const store = EnvelopeStore.open(relay.data);
    try {
      const stored = new Set([...store.live(0)].map((r) => toHex(envelopeHash(r.rlp), false)));
      const mustHave = envs.slice(0, acked * PER_BATCH).map((e) => toHex(envelopeHash(e), false));
      expect(mustHave.filter((h) => !stored.has(h))).toEqual([]);
      // And the kill did come mid-stream: not everything was stored.
      expect(stored.size).toBeLessThan(envs.length);
    } finally {
      store.close();
    }
  }, 120_000);
});
