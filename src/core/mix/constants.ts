// Sizes of the mix frame (docs/PROTOCOL.md §7; the format in docs/PRIVACY.md, "The mix layer"). A
// frame is a Sphinx packet (Danezis and Goldberg 2009, as parameterised by Katzenpost) over X25519,
// ChaCha20, HMAC-SHA256 and a LIONESS wide-block cipher. Every frame on the wire is exactly
// FRAME_SIZE bytes, whatever it carries and wherever it is on its path; nothing in it is constant
// across hops.

/** An X25519 public value (the header's α, the per-hop blinded ephemeral key). */
export const GROUP_ELEMENT_SIZE = 32;
/** HMAC-SHA256 tag over α ‖ β (the header's γ). Untruncated: 128-bit security needs 32 bytes at most. */
export const MAC_SIZE = 32;
/** A node id: SHA-256 of the relay's libp2p peer id (multihash bytes). */
export const NODE_ID_SIZE = 32;
/** One routing command: a kind byte and a node id (zero where the kind has no next node). */
export const COMMAND_SIZE = 1 + NODE_ID_SIZE;
/** One hop's slot in β: its command and the MAC the next hop will check. */
export const SLOT_SIZE = COMMAND_SIZE + MAC_SIZE;
/**
 * Hops a header can carry. A shorter path is padded to this length (the filler), so no hop learns
 * the path length or its position on it. Three mixes is the Loopix and Katzenpost choice.
 */
export const MAX_HOPS = 3;
/** β, the encrypted routing information. */
export const ROUTING_SIZE = MAX_HOPS * SLOT_SIZE;
/** α ‖ β ‖ γ. */
export const HEADER_SIZE = GROUP_ELEMENT_SIZE + ROUTING_SIZE + MAC_SIZE;
/**
 * Bytes on the wire per frame (before the transport's length prefix). 1 KiB carries a typical
 * 256-512 B envelope in one frame with room to spare; see docs/PRIVACY.md for the trade-off.
 */
export const FRAME_SIZE = 1024;
/** The layered-encrypted payload after the header. */
export const PAYLOAD_SIZE = FRAME_SIZE - HEADER_SIZE;
/** Zero bytes at the front of the plaintext payload; the exit checks them (tampering garbles them). */
export const PAYLOAD_TAG_SIZE = 16;
/** Plaintext room for the fragment codec in one frame. */
export const BODY_SIZE = PAYLOAD_SIZE - PAYLOAD_TAG_SIZE;
/** Replay tags kept per key epoch: 16 bytes of a hash of the shared secret. */
export const REPLAY_TAG_SIZE = 16;

/** Fragment header: message id, index, count, data length. */
export const FRAGMENT_ID_SIZE = 16;
export const FRAGMENT_HEADER_SIZE = FRAGMENT_ID_SIZE + 2 + 2 + 2;
/** Envelope bytes per frame. */
export const FRAGMENT_DATA_SIZE = BODY_SIZE - FRAGMENT_HEADER_SIZE;
/** Fragments of one envelope at most: enough for a 1 MiB envelope (the largest Whisper allows). */
export const MAX_FRAGMENTS = Math.ceil((1024 * 1024) / FRAGMENT_DATA_SIZE);
