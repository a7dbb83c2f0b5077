// The 64-byte topic bloom filter (docs/PROTOCOL.md §1), bit for bit as geth's TopicToBloom, including its quirk:
// each of the three indices assigns its byte rather than OR-ing into it, so a later index in the
// same byte clears the earlier bit. Matching other implementations needs the quirk kept.

import { BLOOM_SIZE, TOPIC_LENGTH } from './constants.ts';

export function topicBloom(topic: Uint8Array): Uint8Array {
  if (topic.length !== TOPIC_LENGTH) throw new RangeError('topic must be 4 bytes');
  const b = new Uint8Array(BLOOM_SIZE);
  for (let j = 0; j < 3; j++) {
    let index = topic[j]!;
    if ((topic[3]! & (1 << j)) !== 0) index += 256;
    b[index >> 3] = 1 << (index & 7); // assignment, not |=: geth's behaviour
  }
  return b;
}

/** The bloom that matches everything (a node with a catch-all filter). */
export const fullBloom = (): Uint8Array => new Uint8Array(BLOOM_SIZE).fill(0xff);

export function bloomOr(a: Uint8Array, b: Uint8Array): Uint8Array {
  checkBloom(a, 'a');
  checkBloom(b, 'b');
  return a.map((x, i) => x | b[i]!);
}

/** geth's BloomFilterMatch: every bit of `sample` is set in `filter`. */
export function bloomMatches(filter: Uint8Array, sample: Uint8Array): boolean {
  checkBloom(filter, 'filter');
  checkBloom(sample, 'sample');
  for (let i = 0; i < BLOOM_SIZE; i++) if ((filter[i]! | sample[i]!) !== filter[i]) return false;
  return true;
}

function checkBloom(b: Uint8Array, name: string): void {
  if (!(b instanceof Uint8Array) || b.length !== BLOOM_SIZE) throw new RangeError(`${name} must be a ${BLOOM_SIZE}-byte bloom`);
}
