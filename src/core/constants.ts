// Spec constants of Whisper v6 as geth 1.9.20 (whisper/whisperv6) and docs/PROTOCOL.md §1-§2 fix them.
// Every size, default and tolerance used by the protocol core lives here, with its source.

/** Protocol version string answered by shh_version (geth: ProtocolVersionStr). */
export const PROTOCOL_VERSION = '6.0';

/** Topic length in bytes (geth: TopicLength). */
export const TOPIC_LENGTH = 4;
/** Bloom filter length in bytes (geth: BloomFilterSize). */
export const BLOOM_SIZE = 64;

/** Fixed part of an envelope's size: expiry 4 + ttl 4 + topic 4 + nonce 8 (geth: EnvelopeHeaderLength). */
export const ENVELOPE_HEADER_LENGTH = 20;
/** Default maximum envelope size, 64 KiB (docs/PROTOCOL.md §1; geth: DefaultMaxMessageSize is 1 MiB, docs/PROTOCOL.md §1.5 lowers it). */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;
/** Hard ceiling an operator may raise the maximum to (docs/PROTOCOL.md §1; geth: MaxMessageSize). */
export const MAX_MESSAGE_SIZE_CEILING = 1024 * 1024;
/** Default minimum proof of work (geth: DefaultMinimumPoW). */
export const DEFAULT_MIN_POW = 0.2;
/** TTL used when a post asks for 0 (geth: DefaultTTL). */
export const DEFAULT_TTL = 50;
/** Largest TTL and expiry: both travel as uint32 seconds. */
export const MAX_UINT32 = 0xffff_ffff;

/** An envelope sent more than this many seconds in the future is invalid (geth: DefaultSyncAllowance). */
export const FUTURE_TOLERANCE = 10;
/** An envelope expired more than this many seconds ago is invalid; within it, dropped quietly. */
export const EXPIRY_TOLERANCE = 20;

// Payload (docs/PROTOCOL.md §2; geth: message.go).
/** Bits 0-1 of flags: length of the size field. */
export const FLAGS_SIZE_MASK = 0x03;
/** Bit 2 of flags: the payload is signed (geth: signatureFlag). */
export const FLAG_SIGNED = 0x04;
/** Padding aligns the plaintext to this many bytes (geth: padSizeLimit). */
export const PADDING_BLOCK = 256;
/** r ‖ s ‖ v (geth: signatureLength). */
export const SIGNATURE_LENGTH = 65;
/** Symmetric key length, AES-256 (geth: aesKeyLength). */
export const SYM_KEY_LENGTH = 32;
/** AES-GCM nonce length (geth: aesNonceLength). */
export const AES_NONCE_LENGTH = 12;
/** AES-GCM tag length. */
export const AES_TAG_LENGTH = 16;
/** secp256k1 private key length. */
export const PRIVATE_KEY_LENGTH = 32;
/** Uncompressed secp256k1 public key length, 0x04 ‖ x ‖ y. */
export const PUBLIC_KEY_LENGTH = 65;
/** Keccak-256 digest length (geth: common.HashLength). */
export const HASH_LENGTH = 32;
/** ECIES: ephemeral public key 65 + IV 16 + HMAC-SHA256 tag 32 (geth: crypto/ecies overhead). */
export const ECIES_IV_LENGTH = 16;
export const ECIES_TAG_LENGTH = 32;
export const ECIES_OVERHEAD = PUBLIC_KEY_LENGTH + ECIES_IV_LENGTH + ECIES_TAG_LENGTH;
/** ECIES AES-128 key length Ke; Km is sha256 of the next 16 KDF bytes (geth: ECIES_AES128_SHA256 KeyLen). */
export const ECIES_KEY_LENGTH = 16;
/** Payloads are shorter than 2^24 bytes: the size field's length (1-3) lives in flag bits 0-1 (geth: message.go). */
export const MAX_PAYLOAD_LENGTH = 0xff_ffff;

/** PBKDF2 iterations for shh_generateSymKeyFromPassword: 65356, a typo in geth kept for compatibility. */
export const PBKDF2_ITERATIONS = 65_356;

// Network (docs/PROTOCOL.md §3).
/** The gossipsub topic carrying envelopes: message data is one envelope's RLP, nothing else. */
export const GOSSIP_TOPIC = '/shh/6/envelopes/rlp';

// Catch-up sync (docs/PROTOCOL.md §3; wire format in docs/SYNC.md, after hoytech/negentropy protocol v1).
/** Stream protocol of range-based set reconciliation between two pools. */
export const SYNC_PROTOCOL = '/shh/6/sync/1.0.0';
/** First byte of every sync frame; a peer answering another version is refused. */
export const SYNC_VERSION = 1;
/** Fingerprint length: sha256(sum of ids mod 2^256 ‖ varint count) truncated (negentropy). */
export const SYNC_FINGERPRINT_LENGTH = 16;
/** A mismatching range splits into this many sub-ranges (negentropy: buckets). */
export const SYNC_BUCKETS = 16;
/** Largest reconciliation frame either side sends or accepts: both must agree, so it is not a tunable. */
export const SYNC_MAX_MESSAGE_BYTES = 512 * 1024;
/** Largest number of ranges one reconciliation message may carry. */
export const SYNC_MAX_RANGES = 8192;
/** Largest number of ids one message (an id list or a want list) may carry: 500 000 bytes of ids. */
export const SYNC_MAX_IDS = 15_625;
