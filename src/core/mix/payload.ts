// The frame payload: 16 zero bytes and a body, encrypted by the sender in one LIONESS layer per hop
// (last hop's layer innermost); each hop removes its layer. Intermediate hops cannot tell a tampered
// payload (Sphinx's design), but a change anywhere garbles every later layer, so the exit's check of
// the zero bytes refuses it. Invariant: the payload is PAYLOAD_SIZE bytes at every hop.

import { constantTimeEqual } from '../bytes.ts';
import { BODY_SIZE, PAYLOAD_SIZE, PAYLOAD_TAG_SIZE } from './constants.ts';
import { MixError } from './errors.ts';
import { lionessDecrypt, lionessEncrypt } from './lioness.ts';

const ZERO_TAG = new Uint8Array(PAYLOAD_TAG_SIZE);

/** Encrypts `body` (exactly BODY_SIZE bytes) for hops whose LIONESS keys are `layers`, in path order. */
export function wrapPayload(body: Uint8Array, layers: Uint8Array[]): Uint8Array {
  if (body.length !== BODY_SIZE) throw new RangeError(`payload body must be ${BODY_SIZE} bytes`);
  let p: Uint8Array = new Uint8Array(PAYLOAD_SIZE);
  p.set(body, PAYLOAD_TAG_SIZE);
  for (let i = layers.length - 1; i >= 0; i--) p = lionessEncrypt(layers[i]!, p);
  return p;
}

/** Layers a random plaintext (cover): nobody checks its tag, and no hop or link sees a constant. */
export function wrapRandom(plain: Uint8Array, layers: Uint8Array[]): Uint8Array {
  if (plain.length !== PAYLOAD_SIZE) throw new RangeError(`random payload must be ${PAYLOAD_SIZE} bytes`);
  let p = plain;
  for (let i = layers.length - 1; i >= 0; i--) p = lionessEncrypt(layers[i]!, p);
  return p;
}

/** Removes one hop's layer. */
export function peelPayload(payload: Uint8Array, layer: Uint8Array): Uint8Array {
  if (payload.length !== PAYLOAD_SIZE) throw new MixError('bad-length', `payload must be ${PAYLOAD_SIZE} bytes`);
  return lionessDecrypt(layer, payload);
}

/** At the exit, after its layer is removed: the body, or `bad-payload` if it was tampered with. */
export function openPayload(plain: Uint8Array): Uint8Array {
  if (plain.length !== PAYLOAD_SIZE) throw new MixError('bad-length', `payload must be ${PAYLOAD_SIZE} bytes`);
  if (!constantTimeEqual(plain.subarray(0, PAYLOAD_TAG_SIZE), ZERO_TAG)) throw new MixError('bad-payload', 'payload tampered with on the way');
  return plain.slice(PAYLOAD_TAG_SIZE);
}
