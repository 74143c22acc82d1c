// Derives the electrode-motion noise record resources/nstdb/em from the noise stress test record 118e00 and
// MIT-BIH record 118 (both in ../shared/data): 118e00 is 118 plus electrode-motion noise from minute 5 on (in
// this copy the difference is nonzero in every second from 5:00 to the end, not in alternating 2-minute
// segments), so 118e00 - 118 is exactly the added noise there and exactly 0 before.
// The noisy seconds are concatenated and written as a two-signal WFDB format-16 record at 360 Hz.
// Run after `npm run build`: node scripts/derive-em-noise.mjs [SHARED_DATA_DIR]
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWfdbRecord } from '../dist/src-main/core/data/wfdb/record.js';

const shared = process.argv[2] ?? new URL('../../shared/data', import.meta.url).pathname;
const noisy = readWfdbRecord(join(shared, 'nstdb', '118e00'));
const clean = readWfdbRecord(join(shared, 'mitdb', '118'));
const fs = 360;
// 118e00 stores samples around ADC zero 0, 118 around ADC zero 1024 (both headers say baseline 1024): the
// difference of the samples relative to their own ADC zero is the added noise.
const zero = (record, k) => record.header.signals[k].adcZero;
const difference = (k, i) => noisy.digital[k][i] - zero(noisy, k) - (clean.digital[k][i] - zero(clean, k));
const seconds = Math.floor(noisy.digital[0].length / fs);
const kept = [];
for (let s = 0; s < seconds; s++) {
  let any = false;
  for (let k = 0; k < 2 && !any; k++)
    for (let i = s * fs; i < (s + 1) * fs; i++)
      if (difference(k, i) !== 0) {
        any = true;
        break;
      }
  // Ten minutes of noise are plenty for the stress test (nst measures its RMS on at most 300 seconds) and keep
  // the bundled resources small.
  if (any && kept.length < 600) kept.push(s);
}
const n = kept.length * fs;
const out = Buffer.alloc(n * 4);
let checksum = [0, 0];
kept.forEach((s, j) => {
  for (let i = 0; i < fs; i++) {
    for (let k = 0; k < 2; k++) {
      const d = difference(k, s * fs + i);
      out.writeInt16LE(d, ((j * fs + i) * 2 + k) * 2);
      checksum[k] = (checksum[k] + d) & 0xffff;
    }
  }
});
const signed = (c) => (c > 32767 ? c - 65536 : c);
const first = (k) => out.readInt16LE(k * 2);
const dir = new URL('../resources/nstdb/', import.meta.url).pathname;
writeFileSync(join(dir, 'em.dat'), out);
writeFileSync(
  join(dir, 'em.hea'),
  `em 2 360 ${n}\n` +
    `em.dat 16 200 16 0 ${first(0)} ${signed(checksum[0])} 0 noise1\n` +
    `em.dat 16 200 16 0 ${first(1)} ${signed(checksum[1])} 0 noise2\n` +
    `# Electrode-motion noise: 118e00 minus 118 (MIT-BIH NST and Arrhythmia databases), noisy seconds only (${kept.length} s)\n`,
);
console.log(
  JSON.stringify({
    seconds: kept.length,
    samples: n,
    firstNoisySecond: kept[0],
    lastNoisySecond: kept.at(-1),
  }),
);
