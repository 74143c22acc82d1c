import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src-main/core/data/images/write-synthetic.js';
import { createRng } from '../../src-main/core/engine/seed.js';

/**
 * Two classes of grey PNG images (class folders `across` and `along`) that only a network that learns tells
 * apart: stripes across or along, at a random period and phase, under noise of the stripes' own amplitude.
 * Global pooling cannot shortcut it (both classes have the same intensities everywhere on average).
 */
export async function writeStripes(dir: string, perClass: number, size = 32, seed = 11): Promise<void> {
  const random = createRng(seed);
  for (const direction of ['across', 'along']) {
    mkdirSync(join(dir, direction), { recursive: true });
    for (let k = 0; k < perClass; k++) {
      const period = 4 + random() * (size / 5);
      const phase = random() * Math.PI * 2;
      const data = new Float32Array(size * size);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const t = direction === 'across' ? y : x;
          const v = 0.5 + 0.2 * Math.sin((2 * Math.PI * t) / period + phase) + 0.2 * (random() - 0.5);
          data[y * size + x] = Math.min(1, Math.max(0, v));
        }
      const png = await encodePng({ width: size, height: size, channels: 1, data, bitDepth: 8 });
      writeFileSync(join(dir, direction, `${String(k).padStart(3, '0')}.png`), png);
    }
  }
}
