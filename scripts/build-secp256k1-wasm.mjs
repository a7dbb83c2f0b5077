#!/usr/bin/env node
// Builds libsecp256k1 as a freestanding wasm32 module (wasm/secp256k1/shim.c is its only face) and
// embeds it as base64 in src/core/secp256k1-wasm-bytes.ts, so the extension, workers and the relay load
// it synchronously and nobody else needs clang. The source is a release tag of bitcoin-core/secp256k1
// taken from a git mirror and checked against the commit recorded below; the tag, commit, compiler and
// every flag go into the generated file, and test/core/secp256k1-wasm.test.ts checks its sha256.
//   node scripts/build-secp256k1-wasm.mjs --git-dir /path/to/secp256k1.git [--out FILE] [--widemul int64]
// Needs Debian's clang and lld (apt-get install -y clang lld); binaryen comes from npm.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import binaryen from 'binaryen';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
export const OUTPUT = join(root, 'src/core/secp256k1-wasm-bytes.ts');
export const SOURCE = { repo: 'https://github.com/bitcoin-core/secp256k1', tag: 'v0.8.0', commit: '6e2c8bc4ecdc6e71dbe7a368f360d8d453ce435d' };

// Chosen by bench/crypto.ts on this machine (see docs/BENCHMARKS.md, "libsecp256k1 in WebAssembly").
export const DEFAULTS = { widemul: 'int64', window: 8, simd: true, opt: 3 };
/** This repository's files compiled into the module; their sha256 is recorded beside the source commit. */
export const INPUTS = ['wasm/secp256k1/shim.c', 'wasm/secp256k1/libc/stdio.h', 'wasm/secp256k1/libc/stdlib.h', 'wasm/secp256k1/libc/string.h'];
export const inputDigests = () =>
  Object.fromEntries(INPUTS.map((f) => [f, createHash('sha256').update(readFileSync(join(root, f))).digest('hex')]));

// Run only as a script: the test imports SOURCE and DEFAULTS from here.
if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) build();

function build() {
  const { values: args } = parseArgs({
    options: {
      'git-dir': { type: 'string' },
      out: { type: 'string', default: OUTPUT },
      widemul: { type: 'string', default: DEFAULTS.widemul }, // int64 (10x26) | int128 (5x52) | int128_struct
      window: { type: 'string', default: String(DEFAULTS.window) }, // ECMULT_WINDOW_SIZE (recovery only)
      simd: { type: 'boolean', default: DEFAULTS.simd },
      'no-simd': { type: 'boolean', default: false },
      opt: { type: 'string', default: String(DEFAULTS.opt) }, // binaryen optimize level after linking; 0 = skip
    },
  });
  const gitDir = args['git-dir'] ?? process.env.SECP256K1_GIT_DIR;
  if (!gitDir) throw new Error('give --git-dir (a clone or mirror of bitcoin-core/secp256k1) or SECP256K1_GIT_DIR');
  const simd = args.simd && !args['no-simd'];

  const run = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const commit = run('git', ['--git-dir', gitDir, 'rev-parse', `${SOURCE.tag}^{commit}`]).trim();
  if (commit !== SOURCE.commit) throw new Error(`${SOURCE.tag} is ${commit} in ${gitDir}, expected ${SOURCE.commit}`);

  const work = mkdtempSync(join(tmpdir(), 'shh-secp-wasm-'));
  try {
    const src = join(work, 'secp256k1');
    execFileSync('sh', ['-c', `mkdir -p "${src}" && git --git-dir="${gitDir}" archive ${SOURCE.commit} | tar -x -C "${src}"`]);
    const widemul = { int64: 'USE_FORCE_WIDEMUL_INT64', int128: 'USE_FORCE_WIDEMUL_INT128', int128_struct: 'USE_FORCE_WIDEMUL_INT128_STRUCT' }[args.widemul];
    if (!widemul) throw new Error(`--widemul must be int64, int128 or int128_struct`);
    const cflags = [
      '--target=wasm32-unknown-unknown', '-O3', '-ffreestanding', '-nostdlib', '-fno-builtin-malloc',
      '-mbulk-memory', '-mmutable-globals', '-msign-ext', '-mnontrapping-fptoint', ...(simd ? ['-msimd128'] : []),
      '-std=c89', '-Wno-long-long', '-Wno-unused-function', '-Wno-c11-extensions', '-Wno-comment',
      `-D${widemul}=1`, `-DECMULT_WINDOW_SIZE=${Number(args.window)}`, '-DCOMB_BLOCKS=43', '-DCOMB_TEETH=6',
      '-DENABLE_MODULE_ECDH=1', '-DENABLE_MODULE_RECOVERY=1', '-DUSE_EXTERNAL_DEFAULT_CALLBACKS=1',
      '-I', join(root, 'wasm/secp256k1/libc'), '-I', join(src, 'include'), '-I', join(src, 'src'),
    ];
    const units = [
      // shim.c includes src/secp256k1.c: one translation unit with the library.
      [join(src, 'src/precomputed_ecmult.c'), []],
      [join(src, 'src/precomputed_ecmult_gen.c'), []],
      [join(root, 'wasm/secp256k1/shim.c'), ['-std=c11']],
    ];
    const objects = units.map(([file, extra], i) => {
      const o = join(work, `${i}.o`);
      run('clang', [...cflags, ...extra, '-c', file, '-o', o]);
      return o;
    });
    const linked = join(work, 'secp256k1.wasm');
    run('wasm-ld', ['--no-entry', '--strip-all', '--gc-sections', '-z', 'stack-size=65536', '--initial-memory=2097152', '-o', linked, ...objects]);
    let wasm = readFileSync(linked);
    const opt = Number(args.opt);
    if (opt > 0) {
      const mod = binaryen.readBinary(wasm);
      try {
        mod.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory | (binaryen.Features.BulkMemoryOpt ?? 0) | binaryen.Features.MutableGlobals |
          binaryen.Features.SignExt | binaryen.Features.NontrappingFPToInt | (simd ? binaryen.Features.SIMD128 : 0));
        binaryen.setOptimizeLevel(opt);
        binaryen.setShrinkLevel(0);
        mod.optimize();
        if (!mod.validate()) throw new Error('binaryen validation failed');
        wasm = Buffer.from(mod.emitBinary());
      } finally {
        mod.dispose();
      }
    }
    const license = readFileSync(join(src, 'COPYING'), 'utf8');
    const build = {
      source: { ...SOURCE },
      inputs: inputDigests(),
      clang: run('clang', ['--version']).split('\n')[0],
      wasmLd: run('wasm-ld', ['--version']).trim(),
      binaryen: opt > 0 ? `npm binaryen ${JSON.parse(readFileSync(join(root, 'node_modules/binaryen/package.json'), 'utf8')).version}, -O${opt}` : 'not run',
      cflags: cflags.filter((f) => !f.startsWith('/') && f !== '-I'),
      bytes: wasm.length,
      sha256: createHash('sha256').update(wasm).digest('hex'),
    };
    const b64 = wasm.toString('base64');
    const lines = [];
    for (let i = 0; i < b64.length; i += 120) lines.push(`  '${b64.slice(i, i + 120)}'`);
    writeFileSync(
      args.out,
      [
        '// Generated by scripts/build-secp256k1-wasm.mjs from libsecp256k1 and wasm/secp256k1/shim.c: do not edit.',
        '// libsecp256k1 as WebAssembly, embedded as base64 so it loads synchronously in Node, workers and the',
        '// extension; test/core/secp256k1-wasm.test.ts checks the bytes against SECP256K1_WASM_BUILD.sha256.',
        '//',
        `// libsecp256k1 (${SOURCE.repo}, ${SOURCE.tag}) is under the MIT license; its COPYING file:`,
        ...license.trimEnd().split('\n').map((l) => `//   ${l}`.trimEnd()),
        '',
        `export const SECP256K1_WASM_BUILD = ${JSON.stringify(build, null, 2)} as const;`,
        '',
        `/** ${wasm.length} bytes of WebAssembly${simd ? ' with 128-bit SIMD' : ''}. */`,
        `export const SECP256K1_WASM_BASE64 =\n${lines.join(' +\n')};`,
        '',
      ].join('\n'),
    );
    console.log(`${args.out}: ${wasm.length} bytes, sha256 ${build.sha256}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
