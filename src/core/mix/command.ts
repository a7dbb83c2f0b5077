// The routing command in each hop's slot of β, readable only by that hop (the rest of β is
// encrypted under later hops' keys). Kinds: `relay` to the next mix, and the three a last hop acts
// on: `gossip` (publish the reassembled envelope), `loop` (hand the frame to the node that made it,
// which recognises its own cover) and `drop` (discard: drop cover). Strict: an unknown kind, or a
// node id where the kind takes none, is refused.

import { COMMAND_SIZE, NODE_ID_SIZE } from './constants.ts';
import { MixError } from './errors.ts';

export type Command =
  | { kind: 'relay'; next: Uint8Array }
  | { kind: 'gossip' }
  | { kind: 'loop'; to: Uint8Array }
  | { kind: 'drop' };

export type ExitCommand = Exclude<Command, { kind: 'relay' }>;

const CODES = { relay: 1, gossip: 2, loop: 3, drop: 4 } as const;

export function encodeCommand(c: Command): Uint8Array {
  const out = new Uint8Array(COMMAND_SIZE);
  out[0] = CODES[c.kind];
  const id = c.kind === 'relay' ? c.next : c.kind === 'loop' ? c.to : undefined;
  if (id) {
    if (id.length !== NODE_ID_SIZE) throw new RangeError(`node id must be ${NODE_ID_SIZE} bytes`);
    out.set(id, 1);
  }
  return out;
}

export function decodeCommand(b: Uint8Array): Command {
  if (b.length !== COMMAND_SIZE) throw new MixError('bad-length', `command must be ${COMMAND_SIZE} bytes`);
  const id = b.slice(1);
  const noId = id.every((x) => x === 0);
  switch (b[0]) {
    case CODES.relay:
      return { kind: 'relay', next: id };
    case CODES.loop:
      return { kind: 'loop', to: id };
    case CODES.gossip:
      if (!noId) throw new MixError('bad-command', 'gossip command carries a node id');
      return { kind: 'gossip' };
    case CODES.drop:
      if (!noId) throw new MixError('bad-command', 'drop command carries a node id');
      return { kind: 'drop' };
    default:
      throw new MixError('bad-command', `unknown command kind ${b[0]}`);
  }
}
