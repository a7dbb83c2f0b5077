// The one error class for protocol and policy failures in the core, with a stable `code`.
// Misuse (wrong argument types) throws TypeError / RangeError instead. Messages reuse geth's texts
// where geth has one, because DApps and web3.js match on them.

export type WhisperErrorCode =
  | 'bad-rlp' // malformed or non-canonical RLP
  | 'bad-envelope' // well-formed RLP but not an envelope
  | 'bad-topic'
  | 'bad-payload' // decrypted bytes are not a valid payload
  | 'decrypt-failed' // wrong key or tampered ciphertext
  | 'bad-key'
  | 'bad-signature'
  | 'future' // sent too far in the future
  | 'expired' // expired beyond the tolerance
  | 'too-large'
  | 'low-pow'
  | 'duplicate'
  | 'pow-timeout' // sealing ran out of its time budget
  | 'aborted'
  | 'pool-full'
  | 'over-limit' // a neighbour far over its per-neighbour rate limit: counted like an invalid envelope
  | 'bad-sync' // malformed, out-of-order or over-cap catch-up sync frame (docs/PROTOCOL.md §3)
  | 'sync-limit' // a sync session hit a bound: rounds, envelopes, rejects, time
  | 'bad-announcement' // a browser-discovery announcement that is not [at, [circuit webrtc addresses of one peer]]
  | 'not-stored' // a local post whose durable write failed: nothing was pooled or sent
  | 'dark-unavailable'; // a dark post with no mix path (no mix client running, too few relays with mix keys): not sent

export class WhisperError extends Error {
  override readonly name = 'WhisperError';
  readonly code: WhisperErrorCode;
  constructor(code: WhisperErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export const isWhisperError = (e: unknown, code?: WhisperErrorCode): e is WhisperError =>
  e instanceof WhisperError && (code === undefined || e.code === code);
