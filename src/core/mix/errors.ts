// The one error class of the mix layer, with a stable `code`. A relay drops a frame that fails any
// check and counts it against its sender; the code says which check, never anything about the key.

export type MixErrorCode =
  | 'bad-length' // not exactly the size the codec expects
  | 'bad-mac' // header MAC wrong (tampered, or not for any of our keys)
  | 'bad-key' // a group element of low order, or a key of the wrong size
  | 'replay' // the replay tag was seen under this key already
  | 'overloaded' // the replay cache of this key is full: frames are refused until the key rotates
  | 'bad-payload' // the exit found the payload's zero tag garbled (tampered on the way)
  | 'bad-command' // an unknown routing command kind
  | 'bad-fragment' // a fragment that does not decode or does not fit its message
  | 'bad-path' // a path of no hops, too many, or a kind the last hop cannot act on
  | 'bad-record' // a mix key record that does not decode or verify
  | 'expired'; // a mix key record outside its validity

export class MixError extends Error {
  override readonly name = 'MixError';
  readonly code: MixErrorCode;
  constructor(code: MixErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export const isMixError = (e: unknown, code?: MixErrorCode): e is MixError =>
  e instanceof MixError && (code === undefined || e.code === code);
