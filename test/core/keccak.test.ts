import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { createNobleKeccak, createWasmKeccak, keccak256 } from '../../src/core/keccak.ts';

const h = (s: string) => fromHex(s, false);

describe('keccak256 on the PoW kernel', () => {
  const kernel = createWasmKeccak();
  const wasm = (b: Uint8Array) => kernel.hash(b);

  it('known answers: the envelope hash and both PoW hashes of the public vectors', () => {
    expect(toHex(wasm(h('cf8001840000000084deadbeef820114')), false)).toBe(
      '300e63ed3c7a65d646006bd8f92ed35851ac71038f39912186f66bcb8003413f',
    );
    expect(toHex(wasm(h('cc8001840000000084deadbeef0000000000000114')), false)).toBe(
      '00e2374c6353c243e4073e209a7f2acb2506522af318b3b78cf9a88310a2a11c',
    );
    expect(toHex(wasm(h('cc8001840000000084deadbeef00000000000186a0')), false)).toBe(
      'a788e02a95bfc673709e97ca81e39ca903bad5638d3388964c51eb64952172d6',
    );
  });

  it('agrees with @noble/hashes at every length around the block edges, from any byte offset', () => {
    for (let n = 0; n <= 3 * 136 + 20; n++)
      for (const offset of [0, 3]) {
        const buf = new Uint8Array(n + offset).map((_, i) => (i * 29 + n) & 0xff).subarray(offset);
        expect(toHex(wasm(buf)), `length ${n} offset ${offset}`).toBe(toHex(keccak_256(buf)));
      }
  });

  it('agrees with @noble/hashes on any input, including ones longer than its one-page window', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => {
        expect(wasm(b)).toEqual(keccak_256(b));
      }),
    );
    const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
    expect(wasm(big)).toEqual(keccak_256(big));
    expect(wasm(h('00'))).toEqual(keccak_256(h('00'))); // and small again after a long one
    const head = Uint8Array.of(0xf9, 1, 2);
    const src = big.subarray(7, 150_007);
    const msg = new Uint8Array(head.length + src.length + 8);
    msg.set(head);
    msg.set(src, head.length);
    msg[msg.length - 1] = 5;
    expect(kernel.hashWithNonce(head, big, 7, 150_007, 5n)).toEqual(keccak_256(msg));
  });

  it('hashWithNonce = keccak256(head ‖ src[start, end) ‖ nonce_be64), on both implementations', () => {
    const noble = createNobleKeccak();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5 }),
        fc.uint8Array({ maxLength: 700 }),
        fc.nat(),
        fc.nat(),
        fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
        (head, src, a, b, nonce) => {
          const start = src.length ? a % src.length : 0;
          const end = start + (src.length - start ? b % (src.length - start + 1) : 0);
          const msg = new Uint8Array(head.length + end - start + 8);
          msg.set(head);
          msg.set(src.subarray(start, end), head.length);
          new DataView(msg.buffer).setBigUint64(msg.length - 8, nonce, false);
          const want = keccak_256(msg);
          expect(kernel.hashWithNonce(head, src, start, end, nonce)).toEqual(want);
          expect(noble.hashWithNonce(head, src, start, end, nonce)).toEqual(want);
        },
      ),
    );
  });

  it('does not touch its input and returns a fresh array each time', () => {
    const input = new Uint8Array(300).fill(7);
    const a = keccak256(input);
    const b = keccak256(input);
    expect(input.every((x) => x === 7)).toBe(true);
    expect(a).toEqual(b);
    a[0]! ^= 1;
    expect(a).not.toEqual(b);
  });
});
