import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, type Command } from '../../../src/core/mix/command.ts';
import { COMMAND_SIZE } from '../../../src/core/mix/constants.ts';
import { isMixError } from '../../../src/core/mix/errors.ts';

const id = new Uint8Array(32).fill(0xab);
const codeOf = (b: Uint8Array): string | undefined => {
  try {
    decodeCommand(b);
  } catch (e) {
    if (isMixError(e)) return e.code;
    throw e;
  }
  return undefined;
};

describe('routing commands', () => {
  it.each<Command>([{ kind: 'relay', next: id }, { kind: 'loop', to: id }, { kind: 'gossip' }, { kind: 'drop' }])('round trips %o', (c) => {
    expect(decodeCommand(encodeCommand(c))).toEqual(c);
  });

  const withKind = (k: number, fill = 0) => {
    const b = new Uint8Array(COMMAND_SIZE).fill(fill);
    b[0] = k;
    return b;
  };
  it.each<[string, Uint8Array, string]>([
    ['kind 0', withKind(0), 'bad-command'],
    ['kind 5', withKind(5), 'bad-command'],
    ['kind 255', withKind(255, 1), 'bad-command'],
    ['gossip with a node id', withKind(2, 1), 'bad-command'],
    ['drop with a node id', withKind(4, 1), 'bad-command'],
    ['short', new Uint8Array(COMMAND_SIZE - 1), 'bad-length'],
  ])('refuses %s', (_, b, code) => {
    expect(codeOf(b)).toBe(code);
  });

  it('refuses a node id of the wrong size when encoding', () => {
    expect(() => encodeCommand({ kind: 'relay', next: new Uint8Array(31) })).toThrow(RangeError);
  });
});
