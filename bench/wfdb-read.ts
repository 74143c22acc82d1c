import { readWfdbRecord } from '../src-main/core/data/wfdb/record.js';
import { resourcePath } from '../src-main/core/util/resources.js';

/** Time to read and checksum one 30-minute two-signal format-212 record (MIT-BIH 100), best of 5 after a warm-up. */
export function benchWfdbRead(): { record: string; frames: number; best_ms: number } {
  const path = resourcePath('mitdb', '100');
  readWfdbRecord(path);
  let best = Infinity;
  let frames = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    frames = readWfdbRecord(path).digital[0]?.length ?? 0;
    best = Math.min(best, performance.now() - t0);
  }
  return { record: 'mitdb/100', frames, best_ms: Math.round(best * 10) / 10 };
}
