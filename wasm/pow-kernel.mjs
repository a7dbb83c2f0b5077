// Source of the PoW kernel (SPEC §1): a generator that writes the WebAssembly text of a Keccak-256
// nonce search. The state lives in 25 i64 locals (the engine allocates registers from them), each
// round's theta/rho/pi/chi/iota is written out in full (optionally with lane complementing), and the
// nonce loop runs inside the module, so one nonce costs one or two permutations and no calls.
// scripts/build-pow-kernel.mjs compiles it with the options it ships with.
//
// Memory layout (all offsets fixed; JS in src/core/pow-kernel.ts mirrors them):
//   STATE0 (0, 200 bytes)   state after absorbing the prefix blocks that do not hold the nonce
//   BEST   (200, 8 bytes)   best nonce of the last search, little-endian u64
//   HASH   (208, 32 bytes)  its keccak256, so callers can check the kernel hash for hash
//   TAIL   (256, 272 bytes) the last one or two blocks, padded, with the nonce bytes left to the loop
//   RC     (768, 192 bytes) round constants (data segment, used when rounds are not unrolled)
//   TAIL2  (1024, 544 bytes) SIMD search only: TAIL with every lane doubled, for two nonces at once
//   INPUT  (2048, ...)      prefix blocks to absorb; JS grows memory to fit

export const LAYOUT = { STATE0: 0, BEST: 200, HASH: 208, TAIL: 256, RC: 768, TAIL2: 1024, INPUT: 2048, RATE: 136 };

const RC = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n,
  0x000000000000808bn, 0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n,
  0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n,
  0x8000000000008002n, 0x8000000000000080n, 0x000000000000800an, 0x800000008000000an,
  0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
// rho offsets, indexed x + 5y
const ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

const i64 = (v) => `(i64.const ${BigInt.asIntN(64, v)})`;
const get = (n) => `(local.get $${n})`;
const xor = (a, b) => `(i64.xor ${a} ${b})`;
const rotl = (a, r) => (r === 0 ? a : `(i64.rotl ${a} (i64.const ${r}))`);
const A = (i) => `a${i}`;
const lanes = (p) => Array.from({ length: 25 }, (_, i) => p + i);
const decl = (names, t = 'i64') => names.map((n) => `(local $${n} ${t})`).join(' ');

/** One Keccak-f[1600] round on locals a0..a24; `rc` is an i64 expression. */
function round(rc, complement) {
  const out = [];
  for (let x = 0; x < 5; x++)
    out.push(`(local.set $c${x} ${[5, 10, 15, 20].reduce((e, o) => xor(e, get(A(x + o))), get(A(x)))})`);
  for (let x = 0; x < 5; x++)
    out.push(`(local.set $d${x} ${xor(get(`c${(x + 4) % 5}`), rotl(get(`c${(x + 1) % 5}`), 1))})`);
  // rho and pi: b[y + 5((2x + 3y) % 5)] = rotl(a[x + 5y] ^ d[x], ROT[x + 5y])
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++) {
      const i = x + 5 * y;
      out.push(`(local.set $b${y + 5 * ((2 * x + 3 * y) % 5)} ${rotl(xor(get(A(i)), get(`d${x}`)), ROT[i])})`);
    }
  // chi, with iota folded into lane 0
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++) {
      let e = complement ? chiComplemented(x, y) : chiPlain(x, y);
      if (x === 0 && y === 0) e = xor(e, rc);
      out.push(`(local.set $${A(x + 5 * y)} ${e})`);
    }
  return out.join('\n');
}

const bLane = (x, y) => get(`b${(x % 5) + 5 * y}`);
const not = (e) => `(i64.xor ${e} (i64.const -1))`;
const chiPlain = (x, y) => xor(bLane(x, y), `(i64.and ${not(bLane(x + 1, y))} ${bLane(x + 2, y)})`);

// Lane complementing (Bertoni et al., "Keccak implementation overview" §2.2; XKCP's Bebigokimisa):
// with lanes 1, 2, 8, 12, 17 and 20 kept inverted, chi needs 5 NOTs per round instead of 25 (no
// and-not instruction in WebAssembly). Per plane y, per x: [invert B[x]?, op, invert left?, invert right?],
// the operands being B[x+1] and B[x+2].
export const COMPLEMENTED_LANES = [1, 2, 8, 12, 17, 20];
const CHI = [
  [[0, '|', 0, 0], [0, '|', 1, 0], [0, '&', 0, 0], [0, '|', 0, 0], [0, '&', 0, 0]],
  [[0, '|', 0, 0], [0, '&', 0, 0], [0, '|', 0, 1], [0, '|', 0, 0], [0, '&', 0, 0]],
  [[0, '|', 0, 0], [0, '&', 0, 0], [0, '&', 1, 0], [1, '|', 0, 0], [0, '&', 0, 0]],
  [[0, '&', 0, 0], [0, '|', 0, 0], [0, '|', 1, 0], [1, '&', 0, 0], [0, '|', 0, 0]],
  [[0, '&', 1, 0], [1, '|', 0, 0], [0, '&', 0, 0], [0, '|', 0, 0], [0, '&', 0, 0]],
];
function chiComplemented(x, y) {
  const [n0, op, n1, n2] = CHI[y][x];
  const l = n1 ? not(bLane(x + 1, y)) : bLane(x + 1, y);
  const r = n2 ? not(bLane(x + 2, y)) : bLane(x + 2, y);
  return xor(n0 ? not(bLane(x, y)) : bLane(x, y), `(${op === '&' ? 'i64.and' : 'i64.or'} ${l} ${r})`);
}
const invert = (complement) => (complement ? COMPLEMENTED_LANES.map((i) => `(local.set $${A(i)} ${not(get(A(i)))})`).join('\n') : '');

/** Keccak-f[1600] on a0..a24, in plain representation before and after. */
const permute = (unroll, complement) => `${invert(complement)}\n${rounds(unroll, complement)}\n${invert(complement)}`;

/** 24 rounds: `unroll` of them written out per loop iteration (24 = no loop). */
function rounds(unroll, complement) {
  if (unroll === 24) return RC.map((rc) => round(i64(rc), complement)).join('\n');
  if (24 % unroll !== 0) throw new RangeError('unroll must divide 24');
  const body = Array.from({ length: unroll }, (_, j) => round(`(i64.load offset=${LAYOUT.RC + 8 * j} (local.get $r))`, complement));
  return `(local.set $r (i32.const 0))
(loop $rounds
${body.join('\n')}
(local.set $r (i32.add (local.get $r) (i32.const ${8 * unroll})))
(br_if $rounds (i32.lt_u (local.get $r) (i32.const 192))))`;
}

const loadState = () => lanes(0).map((i) => `(local.set $${A(i)} (i64.load offset=${LAYOUT.STATE0 + 8 * i} (i32.const 0)))`).join('\n');
const storeState = () => lanes(0).map((i) => `(i64.store offset=${LAYOUT.STATE0 + 8 * i} (i32.const 0) ${get(A(i))})`).join('\n');
const xorBlock = (ptr) =>
  Array.from({ length: 17 }, (_, i) => `(local.set $${A(i)} ${xor(get(A(i)), `(i64.load offset=${8 * i} ${get(ptr)})`)})`).join('\n');

const scalarLocals = `${decl(lanes(0).map(A))} ${decl(lanes(0).map((i) => `b${i}`))} ${decl([0, 1, 2, 3, 4].flatMap((i) => [`c${i}`, `d${i}`]))} (local $r i32)`;

// Byte swap: the hash is read as a big-endian number, the lanes are little-endian.
const bswap = (e) => `(call $bswap ${e})`;


// Two nonces at once in i64x2 lanes (WebAssembly SIMD): v128 has an and-not, so chi needs no
// complementing, but a rotation costs three instructions instead of one.
const vget = (n) => `(local.get $${n})`;
const vxor = (a, b) => `(v128.xor ${a} ${b})`;
const vrot = (n, r) => `(v128.or (i64x2.shl ${vget(n)} (i32.const ${r})) (i64x2.shr_u ${vget(n)} (i32.const ${64 - r})))`;

function roundSimd(rcOffset) {
  const out = [];
  for (let x = 0; x < 5; x++)
    out.push(`(local.set $vc${x} ${[5, 10, 15, 20].reduce((e, o) => vxor(e, vget(`v${x + o}`)), vget(`v${x}`))})`);
  for (let x = 0; x < 5; x++) out.push(`(local.set $vd${x} ${vxor(vget(`vc${(x + 4) % 5}`), vrot(`vc${(x + 1) % 5}`, 1))})`);
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++) {
      const i = x + 5 * y;
      const w = `w${y + 5 * ((2 * x + 3 * y) % 5)}`;
      out.push(`(local.set $${w} ${vxor(vget(`v${i}`), vget(`vd${x}`))})`);
      if (ROT[i]) out.push(`(local.set $${w} ${vrot(w, ROT[i])})`);
    }
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++) {
      const w = (k) => vget(`w${((x + k) % 5) + 5 * y}`);
      let e = vxor(w(0), `(v128.andnot ${w(2)} ${w(1)})`);
      if (x === 0 && y === 0) e = vxor(e, `(v128.load64_splat offset=${rcOffset} (local.get $r))`);
      out.push(`(local.set $v${x + 5 * y} ${e})`);
    }
  return out.join('\n');
}

function roundsSimd(unroll) {
  if (24 % unroll !== 0) throw new RangeError('unroll must divide 24');
  const body = Array.from({ length: unroll }, (_, j) => roundSimd(LAYOUT.RC + 8 * j));
  return `(local.set $r (i32.const 0))
(loop $rounds
${body.join('\n')}
(local.set $r (i32.add (local.get $r) (i32.const ${8 * unroll})))
(br_if $rounds (i32.lt_u (local.get $r) (i32.const 192))))`;
}

function searchSimd(unroll) {
  const vlocals = [...lanes(0).map((i) => `v${i}`), ...lanes(0).map((i) => `w${i}`), ...[0, 1, 2, 3, 4].flatMap((i) => [`vc${i}`, `vd${i}`])];
  const q = [0, 1, 2, 3, 4, 5, 6, 7];
  const check = (lane, nonce) => `
    (local.set $z (call $zeros ${[0, 1, 2, 3].map((i) => `(i64x2.extract_lane ${lane} (local.get $v${i}))`).join(' ')}))
    (if (i32.gt_s (local.get $z) (local.get $best)) (then
      (local.set $best (local.get $z))
      (i64.store offset=${LAYOUT.BEST} (i32.const 0) ${nonce})
      ${[0, 1, 2, 3].map((i) => `(i64.store offset=${LAYOUT.HASH + 8 * i} (i32.const 0) (i64x2.extract_lane ${lane} (local.get $v${i})))`).join(' ')}
      (if (i32.ge_s (local.get $z) (local.get $target)) (then (return (local.get $best))))))`;
  return `;; search as in the scalar module, nonces n (lane 0) and n+1 (lane 1) per iteration, in order.
(func (export "search") (param $nonce i64) (param $count i32) (param $target i32) (param $blocks i32) (param $off i32) (result i32)
  (local $best i32) (local $z i32) (local $p i32) (local $k i32) (local $i i32) (local $r i32) (local $n1 i64)
  ${q.map((k) => `(local $q${k} i32)`).join(' ')} ${decl(vlocals, 'v128')}
  ;; TAIL2 = TAIL with each lane doubled; q_k = where nonce byte k goes in lane 0's copy
  (local.set $p (i32.const 0))
  (loop $copy
    (v128.store offset=${LAYOUT.TAIL2} (i32.shl (local.get $p) (i32.const 1)) (v128.load64_splat offset=${LAYOUT.TAIL} (local.get $p)))
    (local.set $p (i32.add (local.get $p) (i32.const 8)))
    (br_if $copy (i32.lt_u (local.get $p) (i32.const ${2 * LAYOUT.RATE}))))
  ${q.map((k) => `(local.set $q${k} (i32.add (i32.const ${LAYOUT.TAIL2}) (i32.add (i32.shl (i32.shr_u (i32.add (local.get $off) (i32.const ${k})) (i32.const 3)) (i32.const 4)) (i32.and (i32.add (local.get $off) (i32.const ${k})) (i32.const 7)))))`).join('\n  ')}
  (local.set $best (i32.const -1))
  (loop $pairs
    (local.set $n1 (i64.add (local.get $nonce) (i64.const 1)))
    ${q.map((k) => `(i64.store8 (local.get $q${k}) (i64.shr_u (local.get $nonce) (i64.const ${56 - 8 * k}))) (i64.store8 offset=8 (local.get $q${k}) (i64.shr_u (local.get $n1) (i64.const ${56 - 8 * k})))`).join('\n    ')}
    ${lanes(0).map((i) => `(local.set $v${i} (v128.load64_splat offset=${LAYOUT.STATE0 + 8 * i} (i32.const 0)))`).join('\n    ')}
    (local.set $p (i32.const ${LAYOUT.TAIL2}))
    (local.set $k (local.get $blocks))
    (loop $blocks
      ${Array.from({ length: 17 }, (_, i) => `(local.set $v${i} ${vxor(vget(`v${i}`), `(v128.load offset=${16 * i} (local.get $p))`)})`).join('\n      ')}
      ${roundsSimd(unroll)}
      (local.set $p (i32.add (local.get $p) (i32.const ${2 * LAYOUT.RATE})))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br_if $blocks (local.get $k)))
    ${check(0, '(local.get $nonce)')}
    (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $count)) (then ${check(1, '(local.get $n1)')}))
    (local.set $nonce (i64.add (local.get $nonce) (i64.const 2)))
    (local.set $i (i32.add (local.get $i) (i32.const 2)))
    (br_if $pairs (i32.lt_u (local.get $i) (local.get $count))))
  (local.get $best))`;
}

/** The module's text; `unroll` rounds are written out per loop iteration (1, 2, 3, 4, 6, 8, 12 or 24). */
export function kernelWat({ unroll = 1, complemented = false, simd = false, simdUnroll = 2 } = {}) {
  const locals = scalarLocals;
  const rcData = RC.map((v) => {
    let s = '';
    for (let k = 0n; k < 8n; k++) s += '\\' + ((v >> (8n * k)) & 0xffn).toString(16).padStart(2, '0');
    return s;
  }).join('');
  return `(module
(memory (export "memory") 1)
(data (i32.const ${LAYOUT.RC}) "${rcData}")
(func $bswap (param $x i64) (result i64)
  (local.set $x (i64.or (i64.shl (i64.and (local.get $x) (i64.const 0x00ff00ff00ff00ff)) (i64.const 8))
                        (i64.and (i64.shr_u (local.get $x) (i64.const 8)) (i64.const 0x00ff00ff00ff00ff))))
  (local.set $x (i64.or (i64.shl (i64.and (local.get $x) (i64.const 0x0000ffff0000ffff)) (i64.const 16))
                        (i64.and (i64.shr_u (local.get $x) (i64.const 16)) (i64.const 0x0000ffff0000ffff))))
  (i64.rotl (local.get $x) (i64.const 32)))
;; leading zero bits of the 256-bit big-endian hash whose first lanes are l0..l3
(func $zeros (param $l0 i64) (param $l1 i64) (param $l2 i64) (param $l3 i64) (result i32)
  (if (i64.ne (local.get $l0) (i64.const 0)) (then (return (i32.wrap_i64 (i64.clz ${bswap(get('l0'))})))))
  (if (i64.ne (local.get $l1) (i64.const 0)) (then (return (i32.add (i32.const 64) (i32.wrap_i64 (i64.clz ${bswap(get('l1'))}))))))
  (if (i64.ne (local.get $l2) (i64.const 0)) (then (return (i32.add (i32.const 128) (i32.wrap_i64 (i64.clz ${bswap(get('l2'))}))))))
  (i32.add (i32.const 192) (i32.wrap_i64 (i64.clz ${bswap(get('l3'))}))))
;; absorb(src, n): STATE0 ^= n full blocks at src, one permutation each
(func (export "absorb") (param $p i32) (param $n i32) ${locals}
  ${loadState()}
  (block $done (loop $blocks
    (br_if $done (i32.eqz (local.get $n)))
    ${xorBlock('p')}
    ${permute(1, false)}
    (local.set $p (i32.add (local.get $p) (i32.const ${LAYOUT.RATE})))
    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
    (br $blocks)))
  ${storeState()})
${simd ? searchSimd(simdUnroll) : searchScalar(unroll, complemented)}
)
`;
}

function searchScalar(unroll, complemented) {
  const locals = scalarLocals;
  return `;; search(start, count >= 1, target, blocks, nonceOff) -> best zeros; best nonce at BEST, its hash at HASH.
;; Returns as soon as a nonce reaches target zero bits.
(func (export "search") (param $nonce i64) (param $count i32) (param $target i32) (param $blocks i32) (param $off i32) (result i32)
  (local $best i32) (local $z i32) (local $p i32) (local $k i32) ${locals}
  (local.set $best (i32.const -1))
  (loop $nonces
    (i64.store offset=${LAYOUT.TAIL} (local.get $off) ${bswap(get('nonce'))})
    ${loadState()}
    (local.set $p (i32.const ${LAYOUT.TAIL}))
    (local.set $k (local.get $blocks))
    (loop $blocks
      ${xorBlock('p')}
      ${permute(unroll, complemented)}
      (local.set $p (i32.add (local.get $p) (i32.const ${LAYOUT.RATE})))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br_if $blocks (local.get $k)))
    (local.set $z (call $zeros ${get('a0')} ${get('a1')} ${get('a2')} ${get('a3')}))
    (if (i32.gt_s (local.get $z) (local.get $best)) (then
      (local.set $best (local.get $z))
      (i64.store offset=${LAYOUT.BEST} (i32.const 0) (local.get $nonce))
      ${[0, 1, 2, 3].map((i) => `(i64.store offset=${LAYOUT.HASH + 8 * i} (i32.const 0) ${get(A(i))})`).join(' ')}
      (if (i32.ge_s (local.get $z) (local.get $target)) (then (return (local.get $best))))))
    (local.set $nonce (i64.add (local.get $nonce) (i64.const 1)))
    (local.set $count (i32.sub (local.get $count) (i32.const 1)))
    (br_if $nonces (local.get $count)))
  (local.get $best))`;
}
