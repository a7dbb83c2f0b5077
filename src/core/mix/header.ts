// The Sphinx header α ‖ β ‖ γ (Danezis and Goldberg 2009, section 3): α the blinded ephemeral key,
// β the routing slots encrypted in layers, γ the MAC over α ‖ β for the hop that receives it.
// Invariants: every header is HEADER_SIZE bytes at every hop; a hop learns only its own command and
// the next hop's MAC, never its position or the path length (a short path is completed by the filler,
// computed so that the bytes each hop appends decrypt exactly where the next MAC expects them).

import { chacha20 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual } from '../bytes.ts';
import { decodeCommand, encodeCommand, type Command } from './command.ts';
import { COMMAND_SIZE, GROUP_ELEMENT_SIZE, HEADER_SIZE, MAC_SIZE, MAX_HOPS, ROUTING_SIZE, SLOT_SIZE } from './constants.ts';
import { MixError } from './errors.ts';
import type { HopKeys } from './kdf.ts';

const NONCE = new Uint8Array(12);

/** The β stream of one hop: ROUTING_SIZE + SLOT_SIZE bytes (the extra slot is what it appends). */
const rho = (keys: HopKeys): Uint8Array => chacha20(keys.header, NONCE, new Uint8Array(ROUTING_SIZE + SLOT_SIZE));

const mac = (keys: HopKeys, alpha: Uint8Array, beta: Uint8Array): Uint8Array => {
  const h = hmac.create(sha256, keys.mac);
  h.update(alpha);
  h.update(beta);
  return h.digest().subarray(0, MAC_SIZE);
};

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Random bytes the last hop's slot needs after its command: its unused MAC field and the padding. */
export const headerPaddingSize = (hops: number): number => ROUTING_SIZE - COMMAND_SIZE - (hops - 1) * SLOT_SIZE;

/**
 * Builds the header for hops 0..n-1, given each hop's α and keys and command (the last one an exit
 * command, the others `relay` naming the next hop), and `padding` (random, headerPaddingSize(n)
 * bytes). The padding must be random, not zero: the last hop decrypts it into the γ and β of the
 * frame it hands back on a loop, where zeros would show on the wire and betray the path length.
 */
export function createHeader(alphas: Uint8Array[], keys: HopKeys[], commands: Command[], padding: Uint8Array): Uint8Array {
  const n = keys.length;
  if (n < 1 || n > MAX_HOPS || alphas.length !== n || commands.length !== n) throw new MixError('bad-path', `a path has 1..${MAX_HOPS} hops`);
  if (padding.length !== headerPaddingSize(n)) throw new RangeError(`padding must be ${headerPaddingSize(n)} bytes`);
  const streams = keys.map(rho);
  // Filler: what hops 0..n-2 each append (zeros xored with the tail of their stream), as the last
  // hop will see it after all of them have shifted β.
  let filler: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < n - 1; i++) {
    const grown = new Uint8Array(filler.length + SLOT_SIZE);
    grown.set(filler);
    filler = xor(grown, streams[i]!.subarray(ROUTING_SIZE - i * SLOT_SIZE, ROUTING_SIZE + SLOT_SIZE));
  }
  // The last hop's β: its command, an unused MAC field and padding, encrypted, then the filler.
  const last = new Uint8Array(ROUTING_SIZE - (n - 1) * SLOT_SIZE);
  last.set(encodeCommand(commands[n - 1]!));
  last.set(padding, COMMAND_SIZE);
  let beta: Uint8Array = new Uint8Array(ROUTING_SIZE);
  beta.set(xor(last, streams[n - 1]!.subarray(0, last.length)));
  beta.set(filler, last.length);
  let gamma = mac(keys[n - 1]!, alphas[n - 1]!, beta);
  for (let i = n - 2; i >= 0; i--) {
    const plain = new Uint8Array(ROUTING_SIZE);
    plain.set(encodeCommand(commands[i]!));
    plain.set(gamma, COMMAND_SIZE);
    plain.set(beta.subarray(0, ROUTING_SIZE - SLOT_SIZE), SLOT_SIZE);
    beta = xor(plain, streams[i]!.subarray(0, ROUTING_SIZE));
    gamma = mac(keys[i]!, alphas[i]!, beta);
  }
  const header = new Uint8Array(HEADER_SIZE);
  header.set(alphas[0]!);
  header.set(beta, GROUP_ELEMENT_SIZE);
  header.set(gamma, GROUP_ELEMENT_SIZE + ROUTING_SIZE);
  return header;
}

export const headerAlpha = (header: Uint8Array): Uint8Array => header.subarray(0, GROUP_ELEMENT_SIZE);

/** Whether γ matches α ‖ β under these keys (constant time). */
export function headerMacValid(header: Uint8Array, keys: HopKeys): boolean {
  if (header.length !== HEADER_SIZE) throw new MixError('bad-length', `header must be ${HEADER_SIZE} bytes`);
  const alpha = header.subarray(0, GROUP_ELEMENT_SIZE);
  const beta = header.subarray(GROUP_ELEMENT_SIZE, GROUP_ELEMENT_SIZE + ROUTING_SIZE);
  return constantTimeEqual(mac(keys, alpha, beta), header.subarray(GROUP_ELEMENT_SIZE + ROUTING_SIZE));
}

/**
 * One hop's view of a header whose MAC it has checked: its command, and the next header but for its
 * α (`next` starts with 32 zero bytes), which the caller fills with blinding · α: only frames that go
 * on need that multiplication, and the caller chooses how to compute it.
 */
export function processHeader(header: Uint8Array, keys: HopKeys): { command: Command; next: Uint8Array } {
  const beta = header.subarray(GROUP_ELEMENT_SIZE, GROUP_ELEMENT_SIZE + ROUTING_SIZE);
  const padded = new Uint8Array(ROUTING_SIZE + SLOT_SIZE);
  padded.set(beta);
  const b = xor(padded, rho(keys));
  const command = decodeCommand(b.subarray(0, COMMAND_SIZE));
  const next = new Uint8Array(HEADER_SIZE);
  next.set(b.subarray(SLOT_SIZE), GROUP_ELEMENT_SIZE);
  next.set(b.subarray(COMMAND_SIZE, SLOT_SIZE), GROUP_ELEMENT_SIZE + ROUTING_SIZE);
  return { command, next };
}
