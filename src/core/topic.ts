// Topics (docs/PROTOCOL.md §1, §4): 4 bytes on the wire; in JSON exactly `0x` + 8 hex digits. Anything else,
// shorter, longer or unprefixed, is refused, as geth's TopicType.UnmarshalText does.

import { toHex } from './bytes.ts';
import { TOPIC_LENGTH } from './constants.ts';
import { WhisperError } from './errors.ts';

const TOPIC_JSON = /^0[xX][0-9a-fA-F]{8}$/;

export function topicFromJson(s: unknown): Uint8Array {
  if (typeof s !== 'string' || !TOPIC_JSON.test(s))
    throw new WhisperError('bad-topic', `invalid topic: want 0x and ${TOPIC_LENGTH * 2} hex digits`);
  const out = new Uint8Array(TOPIC_LENGTH);
  for (let i = 0; i < TOPIC_LENGTH; i++) out[i] = parseInt(s.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

export function topicToJson(topic: Uint8Array): string {
  if (topic.length !== TOPIC_LENGTH) throw new RangeError('topic must be 4 bytes');
  return toHex(topic);
}

/** A topic as a Map key (the 32-bit big-endian value). */
export function topicKey(topic: Uint8Array): number {
  if (topic.length !== TOPIC_LENGTH) throw new RangeError('topic must be 4 bytes');
  return ((topic[0]! << 24) | (topic[1]! << 16) | (topic[2]! << 8) | topic[3]!) >>> 0;
}

export const isZeroTopic = (topic: Uint8Array): boolean => topic.every((b) => b === 0);
