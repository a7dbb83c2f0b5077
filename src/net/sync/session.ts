// One catch-up sync session (docs/PROTOCOL.md §3) over any frame channel: reconcile, then the initiator asks for
// what it lacks and pushes what the responder lacks, so both end with the union of their live sets.
// Invariants: every loop is capped (rounds, ids, envelopes, rejects); envelope streams go in batches
// the receiver acknowledges, so a fast sender can never fill the receiver's buffer.
import { toHex } from '../../core/bytes.ts';
import { HASH_LENGTH, SYNC_MAX_IDS } from '../../core/constants.ts';
import { envelopeHash } from '../../core/envelope.ts';
import { WhisperError } from '../../core/errors.ts';
import { encodeEnd, encodeEnvelopeFrame, encodeMark, encodeWant, type Frame } from './codec.ts';
import type { SyncItems } from './items.ts';
import { Reconciler } from './reconciler.ts';

export type ReceiveVerdict = 'accept' | 'ignore' | 'reject';

/** Frames in, frames out; the transport maps its failures to WhisperErrors. */
export interface FrameChannel {
  read(): Promise<Frame>;
  write(frame: Uint8Array): Promise<void>;
}

export interface SessionConfig {
  items: SyncItems;
  /** The envelope's RLP if it is still in the pool. */
  getEnvelope(hash: Uint8Array): Uint8Array | undefined;
  /** Validates and stores like gossip does (docs/PROTOCOL.md §1); 'reject' counts against the peer. */
  receive(rlp: Uint8Array): Promise<ReceiveVerdict>;
  now: () => number;
  maxMessageBytes: number;
  maxEnvelopes: number;
  maxRounds: number;
  maxRejects: number;
  batchBytes: number;
  batchEnvelopes: number;
}

export interface SyncResult {
  /** Reconciliation messages sent by the initiator (a round trip each). */
  rounds: number;
  sent: number;
  received: number;
  accepted: number;
  rejected: number;
  /** False when the differences exceeded maxEnvelopes: sync again to get the rest. */
  complete: boolean;
}

const bad = (msg: string): WhisperError => new WhisperError('bad-sync', msg);
const limit = (msg: string): WhisperError => new WhisperError('sync-limit', msg);
const newResult = (): SyncResult => ({ rounds: 0, sent: 0, received: 0, accepted: 0, rejected: 0, complete: true });

export async function runInitiator(ch: FrameChannel, cfg: SessionConfig): Promise<SyncResult> {
  const result = newResult();
  const rec = new Reconciler(cfg.items, { now: cfg.now, maxMessageBytes: cfg.maxMessageBytes, maxDifferences: cfg.maxEnvelopes });
  let msg: Uint8Array | null = rec.initiate();
  while (msg) {
    if (++result.rounds > cfg.maxRounds) throw limit(`more than ${cfg.maxRounds} reconciliation rounds`);
    await ch.write(msg);
    const f = await ch.read();
    if (f.type !== 'reconcile') throw bad(`expected a reconcile frame, got ${f.type}`);
    msg = rec.reconcile(f.ranges);
  }
  result.complete = rec.complete && rec.need.length <= cfg.maxEnvelopes && rec.have.length <= cfg.maxEnvelopes;
  const need = rec.need.slice(0, cfg.maxEnvelopes);
  const perFrame = Math.min(SYNC_MAX_IDS, Math.floor((cfg.maxMessageBytes - 8) / HASH_LENGTH));
  for (let i = 0; i < need.length; i += perFrame) await ch.write(encodeWant(need.slice(i, i + perFrame)));
  await ch.write(encodeEnd());
  const expected = new Set(need.map((id) => toHex(id, false)));
  await receiveEnvelopes(ch, cfg, result, need.length, expected);
  await sendEnvelopes(ch, cfg, result, rec.have.slice(0, cfg.maxEnvelopes));
  return result;
}

export async function runResponder(ch: FrameChannel, cfg: SessionConfig): Promise<SyncResult> {
  const result = newResult();
  const rec = new Reconciler(cfg.items, { now: cfg.now, maxMessageBytes: cfg.maxMessageBytes });
  let f = await ch.read();
  while (f.type === 'reconcile') {
    if (++result.rounds > cfg.maxRounds) throw limit(`more than ${cfg.maxRounds} reconciliation rounds`);
    await ch.write(rec.respond(f.ranges));
    f = await ch.read();
  }
  const wanted: Uint8Array[] = [];
  while (f.type === 'want') {
    if (wanted.length + f.ids.length > cfg.maxEnvelopes) throw limit(`asked for more than ${cfg.maxEnvelopes} envelopes`);
    for (const id of f.ids) wanted.push(id.slice());
    f = await ch.read();
  }
  if (f.type !== 'end') throw bad(`expected a want list or its end, got ${f.type}`);
  await sendEnvelopes(ch, cfg, result, wanted);
  await receiveEnvelopes(ch, cfg, result, cfg.maxEnvelopes);
  return result;
}

async function sendEnvelopes(ch: FrameChannel, cfg: SessionConfig, result: SyncResult, ids: readonly Uint8Array[]): Promise<void> {
  let batch = 0;
  let count = 0;
  for (const id of ids) {
    const rlp = cfg.getEnvelope(id);
    if (rlp === undefined) continue; // expired or evicted since reconciliation: nothing to send
    await ch.write(encodeEnvelopeFrame(rlp));
    result.sent++;
    batch += rlp.length;
    // Bounded in count too: a receiver stores each envelope durably before it acknowledges (a
    // browser manages ~180 a second), and the acknowledgement must come within one read deadline.
    if (batch >= cfg.batchBytes || ++count >= cfg.batchEnvelopes) {
      count = 0;
      await ch.write(encodeMark());
      const ack = await ch.read();
      if (ack.type !== 'mark') throw bad(`expected a batch mark, got ${ack.type}`);
      batch = 0;
    }
  }
  await ch.write(encodeEnd());
}

/** Reads envelopes until `end`; with `expected`, only those hashes, each once. */
async function receiveEnvelopes(
  ch: FrameChannel,
  cfg: SessionConfig,
  result: SyncResult,
  max: number,
  expected?: Set<string>,
): Promise<void> {
  let count = 0;
  for (;;) {
    const f = await ch.read();
    if (f.type === 'end') return;
    if (f.type === 'mark') {
      await ch.write(encodeMark());
      continue;
    }
    if (f.type !== 'envelope') throw bad(`expected an envelope, got ${f.type}`);
    if (++count > max) throw limit(`more than ${max} envelopes`);
    const rlp = f.rlp.slice();
    if (expected && !expected.delete(toHex(envelopeHash(rlp), false))) throw bad('envelope that was not asked for');
    const verdict = await cfg.receive(rlp);
    result.received++;
    if (verdict === 'accept') result.accepted++;
    else if (verdict === 'reject' && ++result.rejected > cfg.maxRejects)
      throw limit(`more than ${cfg.maxRejects} invalid envelopes`);
  }
}
