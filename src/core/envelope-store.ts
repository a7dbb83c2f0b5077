// The durable side of the envelope pool (docs/PROTOCOL.md §1.5 pool, §5.3 "on disk before forwarded"): what the one
// admission path (src/net/admission.ts) writes before it pools an envelope and reads back at start.
// Two implementations: IndexedDB in the extension (src/store/envelopes.ts) and SQLite in the relay
// (relay/store.ts, written through relay/store-writer.ts). Rows are raw wire bytes, re-validated on load.

/** What a row is made from: any envelope with its wire bytes, hash and expiry. */
export interface StorableEnvelope {
  readonly rlp: Uint8Array;
  readonly hash: Uint8Array;
  readonly expiry: number;
}

/** A row read back: its bytes are not trusted (a damaged row may not even be a Uint8Array). */
export interface StoredRow {
  readonly rlp: unknown;
}

export interface EnvelopeStore {
  /**
   * Makes one envelope durable; returns or resolves once it is (a second put of the same hash is a
   * no-op). Throws or rejects when it cannot be: the caller then refuses the envelope.
   */
  put(e: StorableEnvelope): unknown;
  /**
   * Makes several envelopes durable in one transaction (one fsync, one IndexedDB commit): all of them
   * or, when it throws or rejects, possibly none. Optional; admission then issues one put each.
   */
  putMany?(es: readonly StorableEnvelope[]): unknown;
  /** Rows whose expiry is at or after `nowSeconds` (the pool keeps an envelope through its expiry second). */
  live(nowSeconds: number): Iterable<StoredRow> | Promise<Iterable<StoredRow>>;
  /** Deletes a row the loader refused (damaged, or no longer valid); stores that sweep by expiry may omit it. */
  discard?(row: StoredRow): unknown;
}
