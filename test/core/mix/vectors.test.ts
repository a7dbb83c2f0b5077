// Known answers of our own: fixed mix keys (helpers.ts) and fixed randomness give fixed bytes. Each
// row: the first 16 bytes of the frame, then SHA-256 of the frame entering each hop, then what the
// last hop does (the body's hash for gossip). A change to any derivation, layout or constant shows here.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { BODY_SIZE } from '../../../src/core/mix/constants.ts';
import type { ExitCommand } from '../../../src/core/mix/command.ts';
import { exp, expBase, hopKeys } from '../../../src/core/mix/kdf.ts';
import { lionessDecrypt, lionessEncrypt } from '../../../src/core/mix/lioness.ts';
import { createFrame, peelFrame } from '../../../src/core/mix/packet.ts';
import { hex, seeded, testMix } from './helpers.ts';

const m = [testMix('a'), testMix('b'), testMix('c')];

const ROWS: Array<[string, number, ExitCommand, string, string[]]> = [
  ['gossip3', 3, { kind: 'gossip' }, '96d8894f0f87d2351749fac6fa2f2f53', [
    '83a53bdf88c9cfeb82e2a600f199059888993af83cc2f5b100bb597ccdca2451',
    '92177af7cead07f9631606f70796ba87b083d1b48b0e4cac64ebaada69b06f0c',
    'b7f5e5d07fae62bef9845517f30ec906980dba4d76346fa81209472d5645ad5f',
    'gossip d1c23395964ccb827634227eb483f471734dc7a4d20ad6caf6bd31445fc945fa',
  ]],
  ['gossip1', 1, { kind: 'gossip' }, '9634f343de5ef1698a81dcc10ff64020', [
    'f03f24f8d2dbd96d2d1b62231d22ccc9ddd6eee94e13a3675f73108eb9c10ba3',
    'gossip 4bb1b4adca703a17514f689e0baa97f2e72a801cf7203aab40b0baf6444cfc94',
  ]],
  ['loop2', 2, { kind: 'loop', to: m[0]!.hop.nodeId }, 'c0b2317d478c2120c89e54569b3a174e', [
    '25a3a9f612e20de86a6deff2ca4d0ad2f4636b87d2647bae35ccbec1391231f3',
    '2188953eda609c7f482e3aeefcc0065c148cc9fc0c19f8ea9c20bc889a6750da',
    '9caeebe6511453bf92820bbbff8df95a909823db155179c9d5902ac4127b9410',
  ]],
  ['drop3', 3, { kind: 'drop' }, '2afa908dd27bb5ef2cac507752a2003b', [
    '2abe580157e0ca035d43c66fbfa306621d4da9640e9927cbe65714a0f53fd462',
    '979f8e715b51e8dd5ccf0d65ecee9b18da7fe03e1269d23503abf194288417d6',
    '588482177c8978083d1e19f733d75069d3302f0303ab8915a67a0cc7fa8ef46f',
    'drop',
  ]],
];

describe('mix vectors', () => {
  it.each(ROWS)('%s', (name, n, exit, head, hops) => {
    const path = m.slice(0, n);
    const body = exit.kind === 'gossip' ? seeded(`body ${name}`)(BODY_SIZE) : undefined;
    const made = createFrame({ path: path.map((x) => x.hop), exit, body, randomBytes: seeded(`vector ${name}`) });
    expect(hex(made.frame.subarray(0, 16))).toBe(head);
    const seen = [hex(sha256(made.frame))];
    let f = made.frame;
    for (const x of path) {
      const r = peelFrame(f, [{ secretKey: x.secretKey, replay: x.keys[0]!.replay }]);
      if (r.kind === 'relay' || r.kind === 'loop') {
        f = r.frame;
        seen.push(hex(sha256(f)));
      } else seen.push(r.kind === 'gossip' ? `gossip ${hex(sha256(r.body))}` : r.kind);
    }
    expect(seen).toEqual(hops);
    if (exit.kind === 'loop') expect(hex(made.returns!)).toBe(hops[hops.length - 1]);
  });

  it('mix key, hop keys and LIONESS', () => {
    expect(hex(m[0]!.hop.mixKey)).toBe('55b7b3eda54ebd8cd111f2cf93fa0df1fdbbc2c9a009a34050697063194f484b');
    const alpha = expBase(new Uint8Array(32).fill(7));
    const k = hopKeys(exp(m[0]!.secretKey, alpha), alpha);
    expect([hex(k.mac), hex(k.blinding), hex(k.replayTag)]).toEqual([
      '8a166ad3e407d0a2d0af662247c976ab91da6f766f2f5518ad171bcd3f311cdc',
      'd0f69aab1ca71ba5f966d41cb52c18a74120a33ba2e802c25099a5526e96737d',
      '68b726b807751098550da5f67a33fe49',
    ]);
    const keys = new Uint8Array(128).map((_, i) => i);
    const plain = new Uint8Array(48).map((_, i) => 255 - i);
    const c = lionessEncrypt(keys, plain);
    expect(hex(c)).toBe('c44e1e919fed768b092f0d32306c07da1db51b1045c9ae794c28078dba7e0a4fe890410f78fac31f4b2db5da1bbea904');
    expect(lionessDecrypt(keys, c)).toEqual(plain);
  });

  it('x25519 blinding commutes: the sender and the hop agree on every shared secret', () => {
    // The property the whole header rests on: b·(x·Y) = y·(b·(x·G)).
    const x = new Uint8Array(32).fill(3);
    const b = new Uint8Array(32).fill(9);
    expect(exp(b, exp(x, m[1]!.hop.mixKey))).toEqual(exp(m[1]!.secretKey, exp(b, expBase(x))));
  });
});
