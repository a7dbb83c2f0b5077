// Preloaded into relay processes by bench/pool-scale.ts (`node --expose-gc --import <this> relay/main.ts`):
// on SIGUSR2 it runs a full GC and writes process.memoryUsage() as JSON to $POOL_SCALE_MEM, so the
// bench reads the relay's heap without changing relay code.
import { writeFileSync } from 'node:fs';

const file = process.env.POOL_SCALE_MEM;
if (file) {
  process.on('SIGUSR2', () => {
    (globalThis as { gc?: () => void }).gc?.();
    writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
    writeFileSync(file, JSON.stringify(process.memoryUsage()));
  });
}
