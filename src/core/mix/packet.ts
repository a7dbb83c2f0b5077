// Create and peel mix frames: header ‖ payload, FRAME_SIZE bytes. The sender picks one ephemeral
// scalar; each hop's α is the previous α times the previous hop's blinding factor, so the α a hop
// sees is unlinkable to the one its predecessor saw. A hop refuses a frame whose MAC fails under all
// of its live keys, or whose replay tag it has recorded; only then does it act on its command.
// Invariants: every frame a hop emits is FRAME_SIZE bytes; a loop frame's creator knows the exact
// bytes that will come back (`returns`), so it can recognise them and notice when they do not.

import { sha256 } from '@noble/hashes/sha2.js';
import type { ExitCommand, Command } from './command.ts';
import { FRAME_SIZE, GROUP_ELEMENT_SIZE, HEADER_SIZE, MAX_HOPS, NODE_ID_SIZE, PAYLOAD_SIZE } from './constants.ts';
import { MixError } from './errors.ts';
import { createHeader, headerAlpha, headerPaddingSize, headerMacValid, processHeader } from './header.ts';
import { exp, expBase, hopKeys, type HopKeys } from './kdf.ts';
import { openPayload, peelPayload, wrapPayload, wrapRandom } from './payload.ts';
import type { ReplayCache } from './replay.ts';

export type RandomBytes = (n: number) => Uint8Array;

/** One mix on a path: its node id and its current X25519 mix key. */
export interface PathHop {
  nodeId: Uint8Array;
  mixKey: Uint8Array;
}

export interface FrameSpec {
  /** 1..MAX_HOPS mixes; the last one acts on `exit`. */
  path: PathHop[];
  exit: ExitCommand;
  /**
   * BODY_SIZE bytes for `gossip` (a fragment, fragment.ts). Cover (`loop`, `drop`) takes none: its
   * whole plaintext payload is drawn from `randomBytes`, so the bytes a loop frame comes back with
   * are random too.
   */
  body?: Uint8Array;
  randomBytes: RandomBytes;
}

export interface CreatedFrame {
  frame: Uint8Array;
  /** For a `loop` exit: SHA-256 of the frame the last hop hands back to `exit.to`. */
  returns?: Uint8Array;
}

/** Keys a hop may peel with: the current mix key and, during its grace, the previous one. */
export interface PeelKey {
  secretKey: Uint8Array;
  replay: ReplayCache;
}

export type Peeled =
  | { kind: 'relay'; next: Uint8Array; frame: Uint8Array }
  | { kind: 'loop'; to: Uint8Array; frame: Uint8Array }
  | { kind: 'gossip'; body: Uint8Array }
  | { kind: 'drop' };

export function createFrame(spec: FrameSpec): CreatedFrame {
  const { path, exit } = spec;
  if (path.length < 1 || path.length > MAX_HOPS) throw new MixError('bad-path', `a path has 1..${MAX_HOPS} hops, not ${path.length}`);
  for (const h of path) {
    if (h.nodeId.length !== NODE_ID_SIZE) throw new RangeError(`nodeId must be ${NODE_ID_SIZE} bytes`);
    if (h.mixKey.length !== GROUP_ELEMENT_SIZE) throw new RangeError(`mixKey must be ${GROUP_ELEMENT_SIZE} bytes`);
  }
  const x = spec.randomBytes(32);
  if (!(x instanceof Uint8Array) || x.length !== 32) throw new TypeError('randomBytes(32) must return 32 bytes');
  const alphas: Uint8Array[] = [];
  const keys: HopKeys[] = [];
  for (let i = 0; i < path.length; i++) {
    const alpha = i === 0 ? expBase(x) : exp(keys[i - 1]!.blinding, alphas[i - 1]!);
    let s = exp(x, path[i]!.mixKey);
    for (let j = 0; j < i; j++) s = exp(keys[j]!.blinding, s);
    alphas.push(alpha);
    keys.push(hopKeys(s, alpha));
  }
  const commands: Command[] = path.map((_, i) => (i < path.length - 1 ? { kind: 'relay', next: path[i + 1]!.nodeId } : exit));
  const frame = new Uint8Array(FRAME_SIZE);
  frame.set(createHeader(alphas, keys, commands, spec.randomBytes(headerPaddingSize(path.length))));
  const layers = keys.map((k) => k.payload);
  let payload: Uint8Array;
  if (exit.kind === 'gossip') {
    if (!spec.body) throw new TypeError('a gossip frame needs a body');
    payload = wrapPayload(spec.body, layers);
  } else {
    if (spec.body) throw new TypeError(`a ${exit.kind} frame takes no body (its payload is random)`);
    payload = wrapRandom(spec.randomBytes(PAYLOAD_SIZE), layers);
  }
  frame.set(payload, HEADER_SIZE);
  if (exit.kind !== 'loop') return { frame };
  // What the last hop will emit: the creator walks the path with the keys it already holds.
  let f: Uint8Array = frame;
  for (const k of keys) f = step(f, k);
  return { frame, returns: sha256(f) };
}

/** scalar · u as X25519 computes it (scalar clamped), throwing MixError `bad-key` on a low-order result. */
export type ScalarMult = (scalar: Uint8Array, u: Uint8Array) => Promise<Uint8Array>;

/**
 * One hop's work on a frame: find the live key whose MAC verifies, record the replay tag under that
 * key, then act. Throws MixError: bad-length, bad-key, bad-mac, replay, overloaded, bad-command,
 * bad-payload (at the exit, when the payload was tampered with).
 */
export function peelFrame(frame: Uint8Array, live: readonly PeelKey[]): Peeled {
  const alpha = frameAlpha(frame);
  for (const key of live) {
    const keys = unlock(frame, alpha, key, exp(key.secretKey, alpha));
    if (!keys) continue;
    const { command, next } = processHeader(frame.subarray(0, HEADER_SIZE), keys);
    const goesOn = command.kind === 'relay' || command.kind === 'loop';
    return act(frame, keys, command, next, goesOn ? exp(keys.blinding, alpha) : undefined);
  }
  throw new MixError('bad-mac', 'header MAC does not verify under any live mix key');
}

/** peelFrame with the two multiplications done by `mult` (e.g. the platform's native X25519). */
export async function peelFrameWith(frame: Uint8Array, live: readonly PeelKey[], mult: ScalarMult): Promise<Peeled> {
  const alpha = frameAlpha(frame);
  for (const key of live) {
    const keys = unlock(frame, alpha, key, await mult(key.secretKey, alpha));
    if (!keys) continue;
    const { command, next } = processHeader(frame.subarray(0, HEADER_SIZE), keys);
    const goesOn = command.kind === 'relay' || command.kind === 'loop';
    return act(frame, keys, command, next, goesOn ? await mult(keys.blinding, alpha) : undefined);
  }
  throw new MixError('bad-mac', 'header MAC does not verify under any live mix key');
}

function frameAlpha(frame: Uint8Array): Uint8Array {
  if (frame.length !== FRAME_SIZE) throw new MixError('bad-length', `frame must be ${FRAME_SIZE} bytes, not ${frame.length}`);
  return headerAlpha(frame.subarray(0, HEADER_SIZE)).slice();
}

/** The hop keys if the MAC verifies under this key, after recording the replay tag (synchronously). */
function unlock(frame: Uint8Array, alpha: Uint8Array, key: PeelKey, shared: Uint8Array): HopKeys | undefined {
  const keys = hopKeys(shared, alpha);
  if (!headerMacValid(frame.subarray(0, HEADER_SIZE), keys)) return undefined;
  key.replay.record(keys.replayTag);
  return keys;
}

function act(frame: Uint8Array, keys: HopKeys, command: Command, next: Uint8Array, nextAlpha: Uint8Array | undefined): Peeled {
  if (command.kind === 'drop') return { kind: 'drop' };
  const payload = peelPayload(frame.subarray(HEADER_SIZE), keys.payload);
  if (command.kind === 'gossip') return { kind: 'gossip', body: openPayload(payload) };
  const out = new Uint8Array(FRAME_SIZE);
  out.set(next);
  out.set(nextAlpha!);
  out.set(payload, HEADER_SIZE);
  return command.kind === 'relay' ? { kind: 'relay', next: command.next, frame: out } : { kind: 'loop', to: command.to, frame: out };
}

/** The creator's walk along its own path (it holds every hop's keys). */
function step(frame: Uint8Array, keys: HopKeys): Uint8Array {
  const { command, next } = processHeader(frame.subarray(0, HEADER_SIZE), keys);
  const p = act(frame, keys, command, next, exp(keys.blinding, headerAlpha(frame)));
  if (p.kind !== 'relay' && p.kind !== 'loop') throw new Error('step past the last hop');
  return p.frame;
}

/** What a loop frame's creator compares with `returns`. */
export const frameDigest = (frame: Uint8Array): Uint8Array => sha256(frame);
