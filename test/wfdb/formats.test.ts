import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { physicalSignal, readWfdbRecord, findSignal } from '../../src-main/core/data/wfdb/record.js';
import { formatInfo, SUPPORTED_FORMATS } from '../../src-main/core/data/wfdb/formats.js';
import { encodeSamples, headerChecksum, tempDir } from './wfdb-fixtures.js';

const RANGES: Record<string, [number, number]> = {
  '8': [-2000, 2000],
  '16': [-32768, 32767],
  '61': [-32768, 32767],
  '80': [-128, 127],
  '160': [-32768, 32767],
  '212': [-2048, 2047],
  '310': [-512, 511],
  '311': [-512, 511],
  '24': [-(2 ** 23), 2 ** 23 - 1],
  '32': [-(2 ** 31), 2 ** 31 - 1],
};

/** A small deterministic generator so that failures reproduce. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomSignal(format: string, n: number, random: () => number, initial: number): number[] {
  const [lo, hi] = RANGES[format]!;
  if (format === '8') {
    // Format 8 stores differences of at most +-127 from the previous sample.
    const out: number[] = [];
    let value = initial;
    for (let i = 0; i < n; i++) {
      value = Math.max(lo, Math.min(hi, value + Math.floor(random() * 255) - 127));
      out.push(value);
    }
    return out;
  }
  const out = Array.from({ length: n }, () => lo + Math.floor(random() * (hi - lo + 1)));
  if (n > 0) out[0] = lo; // the extremes must survive sign extension
  if (n > 1) out[1] = hi;
  return out;
}

function differences(values: number[], initial: number): number[] {
  return values.map((v, i) => v - (i === 0 ? initial : values[i - 1]!));
}

test('every format round-trips two interleaved signals of any length, with samples per frame, skew and offset', () => {
  const { dir, cleanup } = tempDir('wfdb-formats');
  const random = lcg(7);
  try {
    for (const format of SUPPORTED_FORMATS) {
      for (const frames of [0, 1, 2, 3, 4, 5, 7, 100]) {
        // Signal a: 2 samples per frame; signal b: 1 per frame, skewed by 2 frames; data after a 512-byte prefix.
        const skew = 2;
        const stored = frames + skew;
        const initialA = format === '8' ? 5 : 0;
        const initialB = format === '8' ? -3 : 0;
        const aStored = randomSignal(format, stored * 2, random, initialA);
        const bStored = randomSignal(format, stored, random, initialB);
        const stream: number[] = [];
        const aDiff = differences(aStored, initialA);
        const bDiff = differences(bStored, initialB);
        for (let f = 0; f < stored; f++) {
          if (format === '8') stream.push(aDiff[2 * f]!, aDiff[2 * f + 1]!, bDiff[f]!);
          else stream.push(aStored[2 * f]!, aStored[2 * f + 1]!, bStored[f]!);
        }
        const a = aStored.slice(0, frames * 2);
        const b = bStored.slice(skew, skew + frames);
        const data = encodeSamples(format, stream);
        const prefix = new Uint8Array(512).fill(0xaa);
        const name = `r${format}_${frames}`;
        writeFileSync(join(dir, `${name}.dat`), Buffer.concat([prefix, data]));
        writeFileSync(
          join(dir, `${name}.hea`),
          `${name} 2 100 ${frames}\n` +
            `${name}.dat ${format}x2+512 100(3)/uV 0 0 ${initialA} ${headerChecksum(a)} 0 a\n` +
            `${name}.dat ${format}:${skew}+512 50 0 0 ${initialB} ${headerChecksum(b)} 0 b\n`,
        );
        const where = `format ${format}, ${frames} frames`;
        if (frames === 0) {
          // Zero in the header means "unknown": the reader takes the frames the file holds.
          const record = readWfdbRecord(join(dir, name));
          assert.equal(record.header.samples, 0, where);
          continue;
        }
        const record = readWfdbRecord(join(dir, name));
        assert.deepEqual(Array.from(record.digital[0]!), a, where);
        assert.deepEqual(Array.from(record.digital[1]!), b, where);
        assert.equal(record.header.samples, frames);
        assert.equal(record.files.length, 2);
        const physical = physicalSignal(record, findSignal(record, 'a'));
        assert.ok(
          Math.abs(physical[0]! - (a[0]! - 3) / 100) < 1e-3 * Math.max(1, Math.abs(a[0]! / 100)),
          where,
        );
      }
    }
  } finally {
    cleanup();
  }
});

test('a single signal of every length 1 to 9 round-trips in every format (all packing remainders)', () => {
  const { dir, cleanup } = tempDir('wfdb-lengths');
  const random = lcg(11);
  try {
    for (const format of SUPPORTED_FORMATS) {
      for (let n = 1; n <= 9; n++) {
        const values = randomSignal(format, n, random, 0);
        const stored = format === '8' ? differences(values, 0) : values;
        writeFileSync(join(dir, 's.dat'), encodeSamples(format, stored));
        writeFileSync(
          join(dir, 's.hea'),
          `s 1 360 ${n}\ns.dat ${format} 200 0 0 0 ${headerChecksum(values)} 0 x\n`,
        );
        const record = readWfdbRecord(join(dir, 's'));
        assert.deepEqual(Array.from(record.digital[0]!), values, `format ${format}, ${n} samples`);
        assert.equal(record.files[1]?.size, formatInfo(format)!.bytesFor(n));
      }
    }
  } finally {
    cleanup();
  }
});

test('a header without a sample count reads up to the end of the signal file', () => {
  const { dir, cleanup } = tempDir('wfdb-nsamp');
  try {
    const values = [1, -2, 3, -4, 5, -6, 7];
    writeFileSync(join(dir, 'x.dat'), encodeSamples('212', values));
    writeFileSync(join(dir, 'x.hea'), 'x 1 360\nx.dat 212\n');
    const record = readWfdbRecord(join(dir, 'x'));
    assert.deepEqual(Array.from(record.digital[0]!), values);
    assert.equal(record.header.samples, 7);
    assert.ok(Math.abs(physicalSignal(record, 0)[2]! - 3 / 200) < 1e-8); // gain 0 converts with WFDB's default 200
  } finally {
    cleanup();
  }
});

test('byte counts of the packed formats at every remainder', () => {
  const expectBytes: Record<string, number[]> = {
    '212': [0, 2, 3, 5, 6, 8, 9],
    '310': [0, 2, 4, 4, 6, 8, 8],
    '311': [0, 2, 3, 4, 6, 7, 8],
  };
  for (const [format, bytes] of Object.entries(expectBytes)) {
    const info = formatInfo(format)!;
    bytes.forEach((b, n) => {
      assert.equal(info.bytesFor(n), b, `${format} ${n}`);
      assert.equal(encodeSamples(format, new Array<number>(n).fill(0)).length, b, `encoder ${format} ${n}`);
      assert.ok(info.samplesIn(b) >= n, `${format} samplesIn(${b})`);
    });
  }
  assert.equal(formatInfo('0'), undefined);
  assert.equal(formatInfo('toString'), undefined);
});
