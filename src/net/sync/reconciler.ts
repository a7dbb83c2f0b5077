// Range-based set reconciliation for catch-up sync (docs/PROTOCOL.md §3), negentropy's algorithm without a
// transport: the initiator sends range fingerprints, mismatches split into 16 buckets or id lists, and
// the initiator ends knowing `have` (it has, the peer lacks) and `need`. Cost follows the difference.
// Invariants: only live items (expiry >= now - 20 s) take part; every reply fits maxMessageBytes and
// the wire caps, a range that does not fit becomes one fingerprint of "the rest" for the next round.
import {
  EXPIRY_TOLERANCE,
  SYNC_BUCKETS,
  SYNC_FINGERPRINT_LENGTH,
  SYNC_MAX_IDS,
  SYNC_MAX_MESSAGE_BYTES,
  SYNC_MAX_RANGES,
} from '../../core/constants.ts';
import { equalBytes } from '../../core/bytes.ts';
import { WhisperError } from '../../core/errors.ts';
import { decodeFrame, MAX_BOUND_BYTES, ReconcileWriter, type Range } from './codec.ts';
import { fingerprintRange } from './fingerprint.ts';
import { INFINITE_BOUND, minimalBound, type Bound, type SyncItems } from './items.ts';

export interface ReconcilerInit {
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** Largest frame this side writes; at most (and by default) SYNC_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /** The initiator stops once it knows this many differences (have + need) and reports incomplete. */
  maxDifferences?: number;
}

export const DEFAULT_MAX_DIFFERENCES = 50_000;
/** Smallest budget that always fits one split (16 fingerprints) plus the closing ranges. */
export const MIN_MESSAGE_BYTES = 4096;

const SKIP_COST = MAX_BOUND_BYTES + 1;
const FINGERPRINT_COST = MAX_BOUND_BYTES + 1 + SYNC_FINGERPRINT_LENGTH;
/** Room kept for a pending skip and the closing "rest" fingerprint. */
const RESERVE = SKIP_COST + FINGERPRINT_COST;
const MIN_BOUND: Bound = { expiry: 0, prefix: new Uint8Array(0) };

/** A 32-character string naming a 32-byte id: a cheap exact Map key (hex costs twice the work). */
const idKey = (id: Uint8Array): string => String.fromCharCode.apply(null, id as unknown as number[]);

export class Reconciler {
  readonly #items: SyncItems;
  readonly #maxBytes: number;
  readonly #maxDifferences: number;
  readonly #cutoff: Bound;
  #role: 'initiator' | 'responder' | undefined;
  readonly #haveKeys = new Set<string>();
  readonly #needKeys = new Set<string>();
  /** Initiator: ids this side has and the peer lacks. */
  readonly have: Uint8Array[] = [];
  /** Initiator: ids the peer has and this side lacks. */
  readonly need: Uint8Array[] = [];
  /** Initiator: false when it stopped at maxDifferences before the sets were fully compared. */
  complete = true;

  constructor(items: SyncItems, init: ReconcilerInit = {}) {
    this.#items = items;
    this.#maxBytes = init.maxMessageBytes ?? SYNC_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(this.#maxBytes) || this.#maxBytes < MIN_MESSAGE_BYTES || this.#maxBytes > SYNC_MAX_MESSAGE_BYTES)
      throw new RangeError(`maxMessageBytes must be an integer in [${MIN_MESSAGE_BYTES}, ${SYNC_MAX_MESSAGE_BYTES}]`);
    this.#maxDifferences = init.maxDifferences ?? DEFAULT_MAX_DIFFERENCES;
    if (!Number.isInteger(this.#maxDifferences) || this.#maxDifferences < 1) throw new RangeError('maxDifferences must be a positive integer');
    const nowSeconds = Math.floor((init.now ?? Date.now)() / 1000);
    // Fixed for the session, so both ends compare one live set even as the clock moves.
    this.#cutoff = { expiry: Math.max(0, nowSeconds - EXPIRY_TOLERANCE), prefix: new Uint8Array(0) };
  }

  #claim(role: 'initiator' | 'responder'): void {
    if (this.#role !== undefined && this.#role !== role) throw new TypeError(`this reconciler is the ${this.#role}`);
    this.#role = role;
  }

  /** Initiator: the first frame, which splits the whole live set as negentropy does. */
  initiate(): Uint8Array {
    if (this.#role !== undefined) throw new TypeError('initiate() must be the first call, and only once');
    this.#claim('initiator');
    const out = new ReconcileWriter();
    const start = this.#items.lowerBound(this.#cutoff);
    this.#split(out, start, this.#items.size(), INFINITE_BOUND);
    return out.finish();
  }

  /** Responder: the answer to one frame of the initiator. */
  respond(msg: Uint8Array | readonly Range[]): Uint8Array {
    this.#claim('responder');
    return this.#process(this.#ranges(msg), false).finish();
  }

  /** Initiator: the next frame, or null when reconciliation is over (see `complete`). */
  reconcile(msg: Uint8Array | readonly Range[]): Uint8Array | null {
    this.#claim('initiator');
    const out = this.#process(this.#ranges(msg), true);
    if (this.have.length + this.need.length >= this.#maxDifferences) {
      this.complete = out.ranges === 0;
      return null;
    }
    return out.ranges === 0 ? null : out.finish();
  }

  #ranges(msg: Uint8Array | readonly Range[]): readonly Range[] {
    if (!(msg instanceof Uint8Array)) return msg;
    const frame = decodeFrame(msg, 0);
    if (frame.type !== 'reconcile') throw new WhisperError('bad-sync', `expected a reconcile frame, got ${frame.type}`);
    return frame.ranges;
  }

  /** Whether `cost` more bytes, `ids` more ids and `ranges` more ranges still leave room to close. */
  #fits(out: ReconcileWriter, skip: boolean, cost: number, ids: number, ranges: number): boolean {
    return (
      out.size + (skip ? SKIP_COST : 0) + cost <= this.#maxBytes - RESERVE &&
      out.idCount + ids <= SYNC_MAX_IDS &&
      out.ranges + ranges + 2 <= SYNC_MAX_RANGES
    );
  }

  #process(ranges: readonly Range[], initiator: boolean): ReconcileWriter {
    const items = this.#items;
    const out = new ReconcileWriter();
    const end = items.size();
    let lower = items.lowerBound(this.#cutoff);
    let prevBound = MIN_BOUND;
    let skip = false;
    const doSkip = (): void => {
      if (skip) out.skip(prevBound);
      skip = false;
    };
    const rest = (from: number): void => {
      doSkip();
      out.fingerprint(INFINITE_BOUND, fingerprintRange(items, from, end));
    };
    for (const r of ranges) {
      const upper = Math.max(lower, Math.min(end, items.lowerBound(r.upper)));
      if (r.mode === 'skip') {
        skip = true;
      } else if (r.mode === 'fingerprint') {
        if (equalBytes(fingerprintRange(items, lower, upper), r.fingerprint)) {
          skip = true;
        } else {
          const n = upper - lower;
          const small = n < 2 * SYNC_BUCKETS;
          const cost = small ? ReconcileWriter.idsCost(n) : SYNC_BUCKETS * FINGERPRINT_COST;
          if (!this.#fits(out, skip, cost, small ? n : 0, small ? 1 : SYNC_BUCKETS)) {
            rest(lower);
            break;
          }
          doSkip();
          this.#split(out, lower, upper, r.upper);
        }
      } else if (initiator) {
        this.#compare(r.ids, lower, upper);
        skip = true;
      } else {
        // The initiator listed its ids: answer with ours, as many as fit, the rest as a fingerprint.
        if (!this.#fits(out, skip, ReconcileWriter.idsCost(0), 0, 1)) {
          rest(lower);
          break;
        }
        const room = this.#maxBytes - RESERVE - out.size - (skip ? SKIP_COST : 0) - ReconcileWriter.idsCost(0);
        const count = Math.min(upper - lower, Math.floor(room / 32), SYNC_MAX_IDS - out.idCount);
        const ids: Uint8Array[] = [];
        for (let i = lower; i < lower + count; i++) ids.push(items.at(i).hash);
        doSkip();
        if (lower + count < upper) {
          const cut = items.at(lower + count);
          out.ids({ expiry: cut.expiry, prefix: cut.hash }, ids);
          rest(lower + count);
          break;
        }
        out.ids(r.upper, ids);
      }
      lower = upper;
      prevBound = r.upper;
    }
    return out;
  }

  /** Emits [lo, hi) below `upper`: one id list when small, else SYNC_BUCKETS fingerprints. */
  #split(out: ReconcileWriter, lo: number, hi: number, upper: Bound): void {
    const items = this.#items;
    const n = hi - lo;
    if (n < 2 * SYNC_BUCKETS) {
      const ids: Uint8Array[] = [];
      for (let i = lo; i < hi; i++) ids.push(items.at(i).hash);
      out.ids(upper, ids);
      return;
    }
    const per = Math.floor(n / SYNC_BUCKETS);
    const extra = n % SYNC_BUCKETS;
    let cur = lo;
    for (let b = 0; b < SYNC_BUCKETS; b++) {
      const next = cur + per + (b < extra ? 1 : 0);
      const fp = fingerprintRange(items, cur, next);
      const bound = next === hi ? upper : minimalBound(items.at(next - 1), items.at(next));
      out.fingerprint(bound, fp);
      cur = next;
    }
  }

  /** Initiator, on the peer's id list for [lo, hi): what each side lacks. */
  #compare(theirIds: readonly Uint8Array[], lo: number, hi: number): void {
    const theirs = new Map<string, Uint8Array>();
    for (const id of theirIds) theirs.set(idKey(id), id);
    for (let i = lo; i < hi; i++) {
      const hash = this.#items.at(i).hash;
      const key = idKey(hash);
      if (theirs.has(key)) theirs.delete(key);
      else if (!this.#haveKeys.has(key)) {
        this.#haveKeys.add(key);
        this.have.push(hash.slice());
      }
    }
    for (const [key, id] of theirs) {
      if (this.#needKeys.has(key)) continue;
      this.#needKeys.add(key);
      this.need.push(id.slice());
    }
  }
}
