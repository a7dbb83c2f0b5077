// The Whisper service as the node queries read it (src/api/node-queries.ts's QueriedService), for the
// fakes that answer node queries (MemoryNode, test/background's FakePeer, the peer server's fake host).
// One place: a query that reads more of the service adds it here, and the fakes follow.
import type { QueriedService } from '../../src/api/node-queries.ts';

/** Mutable, so a test can change what the service reports between calls. */
export type FakeWhisperService = QueriedService & { peer: { peerCount: number; node: { status: string } } };

/** A running service with `peerCount` connected peers. */
export const fakeWhisperService = (peerCount: number): FakeWhisperService => ({ peer: { peerCount, node: { status: 'started' } } });
