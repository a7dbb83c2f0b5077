// The gossip message id (the envelope hash) travels from gossipsub's id function to validation
// (src/net/gossip.ts): the validator hands admission the id it computed, so the envelope is hashed once.
import { describe, expect, it } from 'vitest';
import { peerIdFromString } from '@libp2p/peer-id';
import { envelopeHash } from '../../src/core/envelope.ts';
import { envelopeMessageId, envelopeValidator } from '../../src/net/gossip.ts';
import { envelopeRlp } from './helpers.ts';

const PEER = peerIdFromString('12D3KooWNQG2yYJEr8JohMhLpSk6vYEnyEqrGpvEPaQXNMCBgp8H');

describe('gossip message id to validation', () => {
  it('hands the id gossipsub computed for this message to admission', async () => {
    const rlp = envelopeRlp(1);
    const msg = { type: 'unsigned' as const, topic: 't', data: rlp };
    const id = envelopeMessageId(msg);
    const seen: Array<Uint8Array | undefined> = [];
    const v = envelopeValidator(async (_rlp, _from, hash) => {
      seen.push(hash);
      return { kind: 'ignore', reason: 'duplicate' } as never;
    });
    await v(PEER, msg);
    expect(seen[0]).toBe(id);
    expect(seen[0]).toEqual(envelopeHash(rlp));
  });

  it('hands none for a message whose id it did not compute (equal bytes, another object)', async () => {
    const rlp = envelopeRlp(2);
    envelopeMessageId({ data: rlp });
    const seen: Array<Uint8Array | undefined> = [];
    const v = envelopeValidator(async (_rlp, _from, hash) => {
      seen.push(hash);
      return { kind: 'ignore', reason: 'duplicate' } as never;
    });
    await v(PEER, { type: 'unsigned', topic: 't', data: rlp.slice() });
    expect(seen).toEqual([undefined]);
  });
});
