// A mix's node id inside frames: SHA-256 of its libp2p peer id (multihash bytes). Fixed-size whatever
// the key type, so routing commands have one size; the mix maps it back to a connected peer.

import type { PeerId } from '@libp2p/interface';
import { sha256 } from '@noble/hashes/sha2.js';

export const nodeIdOf = (peer: PeerId): Uint8Array => sha256(peer.toMultihash().bytes);
