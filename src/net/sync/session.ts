// One catch-up sync session (docs/PROTOCOL.md §3) over any frame channel: reconcile, then the initiator asks for
// what it lacks and pushes what the responder lacks, so both end with the union of their live sets.
// Invariants: every loop is capped (rounds, ids, envelopes, rejects); envelope streams go in batches
// the receiver acknowledges once the batch is stored, at most `batchesInFlight` unacknowledged, so a
// fast sender can never fill the receiver's buffer; the receiver hands each batch to receiveBatch
// whole (one durable write) while it reads the next, and acknowledges in order.
import { toHex } from '../../core/bytes.ts';
import { HASH_LENGTH, SYNC_MAX_IDS } from '../../core/constants.ts';
import { envelopeHash } from '../../core/envelope.ts';
import { WhisperError } from '../../core/errors.ts';
import { encodeEnd, encodeEnvelopeFrame, encodeMark, encodeWant, type Frame } from './codec.ts';
import type { SyncItems } from './items.ts';
import { Reconciler } from './reconciler.ts';

export type ReceiveVerdict = 'accept' | 'ignore' | 'reject';

/** An envelope read from the stream: its bytes and their keccak256, computed once here. */
export interface ReceivedEnvelope {
  readonly rlp: Uint8Array;
  readonly hash: Uint8Array;
}

/** Frames in, frames out; the transport maps its failures to WhisperErrors. */
export interface FrameChannel {
  read(): Promise<Frame>;
  write(frame: Uint8Array): Promise<void>;
  /**
   * Several frames in one write to the transport (one muxer frame, one encrypted message, where
   * write() costs one of each per frame); absent: write() each. The bytes on the stream are the same.
   */
  writeMany?(frames: readonly Uint8Array[]): Promise<void>;
}

export interface SessionConfig {
  items: SyncItems;
  /** The envelope's RLP if it is still in the pool. */
  getEnvelope(hash: Uint8Array): Uint8Array | undefined;
  /**
   * Validates and stores a batch like gossip does (docs/PROTOCOL.md §1), one verdict per envelope in
   * order; 'reject' counts against the peer. `hash` is keccak256 of `rlp`, computed here once.
   */
  receiveBatch(batch: readonly ReceivedEnvelope[]): Promise<readonly ReceiveVerdict[]>;
  now: () => number;
  maxMessageBytes: number;
  maxEnvelopes: number;
  maxRounds: number;
  maxRejects: number;
  batchBytes: number;
  batchEnvelopes: number;
  /** Batches sent before the first acknowledgement is awaited (1: stop-and-wait). */
  batchesInFlight: number;
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
  // batchBytes and batchEnvelopes bound what is unacknowledged, as with one batch at a time (so a
  // receiver's buffer of one batch still holds it all); it travels as batchesInFlight smaller
  // batches, and the receiver stores one while the next is on the wire.
  const markBytes = Math.ceil(cfg.batchBytes / cfg.batchesInFlight);
  const markEnvelopes = Math.ceil(cfg.batchEnvelopes / cfg.batchesInFlight);
  const unacked: { bytes: number; count: number }[] = [];
  let unackedBytes = 0;
  let unackedCount = 0;
  let bytes = 0;
  let count = 0;
  const ack = async (): Promise<void> => {
    const f = await ch.read();
    if (f.type !== 'mark') throw bad(`expected a batch mark, got ${f.type}`);
    const b = unacked.shift()!;
    unackedBytes -= b.bytes;
    unackedCount -= b.count;
  };
  // A batch's frames and its mark leave in one write: per frame, the transport would add a muxer
  // frame, an encrypted message and a window update back, more than the envelope itself costs.
  let frames: Uint8Array[] = [];
  const flush = async (): Promise<void> => {
    const out = frames;
    frames = [];
    if (out.length === 0) return;
    if (ch.writeMany) await ch.writeMany(out);
    else for (const f of out) await ch.write(f);
  };
  for (const id of ids) {
    const rlp = cfg.getEnvelope(id);
    if (rlp === undefined) continue; // expired or evicted since reconciliation: nothing to send
    if (unacked.length > 0 && (unackedBytes + bytes + rlp.length > cfg.batchBytes || unackedCount + count >= cfg.batchEnvelopes)) {
      await flush();
      while (unacked.length > 0 && (unackedBytes + bytes + rlp.length > cfg.batchBytes || unackedCount + count >= cfg.batchEnvelopes)) await ack();
    }
    frames.push(encodeEnvelopeFrame(rlp));
    result.sent++;
    bytes += rlp.length;
    count++;
    // Bounded in count too: a receiver stores each batch durably before it acknowledges, and the
    // acknowledgement must come within one read deadline.
    if (bytes >= markBytes || count >= markEnvelopes) {
      frames.push(encodeMark());
      await flush();
      unacked.push({ bytes, count });
      unackedBytes += bytes;
      unackedCount += count;
      bytes = 0;
      count = 0;
      if (unacked.length >= cfg.batchesInFlight) await ack();
    }
  }
  frames.push(encodeEnd());
  await flush();
  while (unacked.length > 0) await ack();
}

/**
 * Reads envelopes until `end`; with `expected`, only those hashes, each once. Batches (closed by a
 * mark, by the sender's cap or by the end) go to receiveBatch one after another while reading goes
 * on; a mark is answered once every batch before it is stored. At most `batchesInFlight` batches wait.
 */
async function receiveEnvelopes(
  ch: FrameChannel,
  cfg: SessionConfig,
  result: SyncResult,
  max: number,
  expected?: Set<string>,
): Promise<void> {
  let count = 0;
  let batch: ReceivedEnvelope[] = [];
  let tail: Promise<void> = Promise.resolve();
  /** Stored-or-failed promises of the batches handed over and not yet done, oldest first. */
  const inFlight: Promise<void>[] = [];
  let failed: unknown;
  // Steps run strictly in order (a mark's answer after the batches before it); a batch that fails
  // (too many invalid envelopes) skips the rest, and the reading loop rethrows it.
  const chain = (step: () => Promise<void>): Promise<void> =>
    (tail = tail
      .then(() => (failed === undefined ? step() : undefined))
      .catch((e: unknown) => {
        failed ??= e;
      }));
  const submit = (): void => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    const done = chain(async () => {
      const verdicts = await cfg.receiveBatch(items);
      if (verdicts.length !== items.length) throw new TypeError('receiveBatch must answer once per envelope');
      for (const verdict of verdicts) {
        result.received++;
        if (verdict === 'accept') result.accepted++;
        else if (verdict === 'reject' && ++result.rejected > cfg.maxRejects)
          throw limit(`more than ${cfg.maxRejects} invalid envelopes`);
      }
    });
    inFlight.push(done);
    void done.finally(() => inFlight.splice(inFlight.indexOf(done), 1));
  };
  let lost: unknown;
  const settle = async (): Promise<void> => {
    await tail;
    if (failed !== undefined) throw failed;
    if (lost !== undefined) throw lost;
  };
  try {
    for (;;) {
      // Back-pressure: stop reading while more batches wait than the sender may have in flight.
      while (inFlight.length > cfg.batchesInFlight) await inFlight[0];
      if (failed !== undefined || lost !== undefined) await settle();
      const f = await ch.read();
      if (f.type === 'end') {
        submit();
        return settle();
      }
      if (f.type === 'mark') {
        submit();
        // A mark that cannot be written (the session is ending) leaves the batches after it to be stored.
        chain(() =>
          ch.write(encodeMark()).catch((e: unknown) => {
            lost ??= e;
          }),
        );
        continue;
      }
      if (f.type !== 'envelope') throw bad(`expected an envelope, got ${f.type}`);
      if (++count > max) throw limit(`more than ${max} envelopes`);
      const rlp = f.rlp.slice();
      const hash = envelopeHash(rlp);
      if (expected && !expected.delete(toHex(hash, false))) throw bad('envelope that was not asked for');
      batch.push({ rlp, hash });
      // A sender that never marks still gets its envelopes stored in bounded batches.
      if (batch.length >= cfg.batchEnvelopes) submit();
    }
  } catch (e) {
    // The batches handed over still finish (their envelopes are the peer's delivery, counted as
    // progress by the caller) before the session reports its failure.
    await tail;
    throw e;
  }
}
