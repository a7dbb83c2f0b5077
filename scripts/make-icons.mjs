#!/usr/bin/env node
// Draws the extension's PNG icons (16, 32, 48, 128 px) into public/icons: a rounded square with a
// speech bubble and three dots, the same picture as the provider's discovery SVG. Shapes are
// evaluated on a 96-unit canvas with 4x4 supersampling; the output is byte-for-byte reproducible.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const BG = [0x2b, 0x3a, 0x67];
const FG = [0xff, 0xff, 0xff];

const inRoundRect = (x, y, x0, y0, x1, y1, r) => {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const inTail = (x, y) => y >= 60 && y <= 78 && x >= 30 && x <= 44 && x - 30 <= ((78 - y) / 18) * 14; // triangle below the bubble
const inDot = (x, y) => [34, 48, 62].some((cx) => (x - cx) ** 2 + (y - 47) ** 2 <= 25);

/** Colour and coverage of one sample on the 96-unit canvas. */
function sample(x, y) {
  if (!inRoundRect(x, y, 0, 0, 96, 96, 20)) return null;
  if (inDot(x, y)) return BG;
  if (inRoundRect(x, y, 14, 28, 82, 66, 6) || inTail(x, y)) return FG;
  return BG;
}

function render(size) {
  const px = new Uint8Array(size * size * 4);
  const n = 4;
  for (let j = 0; j < size; j++)
    for (let i = 0; i < size; i++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sj = 0; sj < n; sj++)
        for (let si = 0; si < n; si++) {
          const c = sample(((i + (si + 0.5) / n) * 96) / size, ((j + (sj + 0.5) / n) * 96) / size);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a++;
        }
      const o = (j * size + i) * 4;
      if (a) [px[o], px[o + 1], px[o + 2]] = [Math.round(r / a), Math.round(g / a), Math.round(b / a)];
      px[o + 3] = Math.round((a / (n * n)) * 255);
    }
  return px;
}

function png(size, rgba) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const dir = join(import.meta.dirname, '..', 'public', 'icons');
mkdirSync(dir, { recursive: true });
for (const size of [16, 32, 48, 128]) writeFileSync(join(dir, `icon-${size}.png`), png(size, render(size)));
console.log(`icons written to ${dir}`);
