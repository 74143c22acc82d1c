import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { physicalSignal, readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { readWfdbMultiSegmentRecord } from '../../src-main/core/data/wfdb/multi-segment.js';
import { inspectWfdb } from '../../src-main/core/data/wfdb/inspect.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { loadEcgDataset } from '../../src-main/core/data/ecg-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { AttestError } from '../../src-main/core/errors.js';
import { tempHome } from '../helpers/temp-home.js';

const source = readWfdbRecord(resourcePath('mitdb', '100'));
const [mlii, v5] = [0, 1].map((k) => source.digital[k] as Int32Array) as [Int32Array, Int32Array];

/** A format-16 segment record of `signals` (name, digital samples, gain, baseline) from `from` to `to`. */
function writeSegment(
  dir: string,
  name: string,
  signals: [string, Int32Array, number, number][],
  from: number,
  to: number,
) {
  const frames = to - from;
  const data = Buffer.alloc(frames * signals.length * 2);
  for (let i = 0; i < frames; i++)
    signals.forEach(([, values], k) =>
      data.writeInt16LE(values[from + i] as number, (i * signals.length + k) * 2),
    );
  writeFileSync(join(dir, `${name}.dat`), data);
  const lines = signals.map(([label, values, gain, baseline]) => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i] as number;
    const checksum = ((((sum % 65536) + 65536) % 65536) << 16) >> 16;
    return `${name}.dat 16 ${gain}(${baseline})/mV 16 0 ${values[from]} ${checksum} 0 ${label}`;
  });
  writeFileSync(join(dir, `${name}.hea`), `${name} ${signals.length} 360 ${frames}\n${lines.join('\n')}\n`);
}

/** Record 100's first 20 s, cut into segments two ways: fixed layout, and variable layout with a gap. */
function writeFixtures(dir: string) {
  const shifted = (values: Int32Array, scale: number, baseline: number) =>
    Int32Array.from(values, (v) => (v - 1024) * scale + baseline);
  writeSegment(
    dir,
    'f_1',
    [
      ['MLII', shifted(mlii, 1, 0), 200, 0],
      ['V5', shifted(v5, 1, 0), 200, 0],
    ],
    0,
    3000,
  );
  writeSegment(
    dir,
    'f_2',
    [
      ['MLII', shifted(mlii, 1, 0), 200, 0],
      ['V5', shifted(v5, 1, 0), 200, 0],
    ],
    3000,
    7200,
  );
  writeFileSync(join(dir, 'fixed.hea'), 'fixed/2 2 360 7200\nf_1 3000\nf_2 4200\n');
  // Variable layout: a layout header, a segment with MLII alone at twice the gain, a gap, then V5 and MLII in
  // the other order with another baseline.
  writeFileSync(
    join(dir, 'v_layout.hea'),
    'v_layout 2 360 0\n~ 0 200/mV 16 0 0 0 0 MLII\n~ 0 200/mV 16 0 0 0 0 V5\n',
  );
  writeSegment(dir, 'v_1', [['MLII', shifted(mlii, 2, 0), 400, 0]], 0, 3600);
  writeSegment(
    dir,
    'v_2',
    [
      ['V5', shifted(v5, 1, 100), 200, 100],
      ['MLII', shifted(mlii, 1, 100), 200, 100],
    ],
    5400,
    7200,
  );
  writeFileSync(join(dir, 'variable.hea'), 'variable/4 2 360 7200\nv_layout 0\nv_1 3600\n~ 1800\nv_2 1800\n');
  copyFileSync(resourcePath('mitdb', '100.atr'), join(dir, 'variable.atr'));
  copyFileSync(resourcePath('mitdb', '100.atr'), join(dir, 'fixed.atr'));
}

test('multi-segment records: fixed and variable layouts read in physical units, NaN where a segment lacks a signal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-multiseg-'));
  try {
    writeFixtures(dir);
    const expected = [0, 1].map((k) => physicalSignal(source, k).subarray(0, 7200));
    const fixed = readWfdbMultiSegmentRecord(join(dir, 'fixed'));
    assert.equal(fixed.layout, 'fixed');
    assert.deepEqual(
      fixed.signals.map((s) => s.name),
      ['MLII', 'V5'],
    );
    fixed.signals.forEach((s, k) => assert.deepEqual(s.physical, expected[k]));
    assert.deepEqual(
      fixed.segments.map((s) => [s.name, s.start]),
      [
        ['f_1', 0],
        ['f_2', 3000],
      ],
    );

    const variable = readWfdbMultiSegmentRecord(join(dir, 'variable.hea'));
    assert.equal(variable.layout, 'variable');
    const [m, v] = variable.signals.map((s) => s.physical) as [Float32Array, Float32Array];
    for (let i = 0; i < 7200; i += 7) {
      const inGap = i >= 3600 && i < 5400;
      const want = (k: number) => (expected[k] as Float32Array)[i] as number;
      if (inGap) assert.ok(Number.isNaN(m[i]) && Number.isNaN(v[i]), `gap at ${i}`);
      else assert.ok(Math.abs((m[i] as number) - want(0)) < 1e-6, `MLII at ${i}`);
      if (i < 3600) assert.ok(Number.isNaN(v[i]), `V5 absent from the first segment at ${i}`);
      if (i >= 5400) assert.ok(Math.abs((v[i] as number) - want(1)) < 1e-6, `V5 at ${i}`);
    }
    // Every file read is hashed: master header, layout header, each segment's header and data.
    assert.equal(variable.files.length, 6);

    const inspected = inspectWfdb(join(dir, 'variable')) as {
      samples: number;
      multiSegment: { layout: string; segments: { name: string }[] };
      signals: { name: string; physical: { present: number; missing: number } }[];
    };
    assert.equal(inspected.samples, 7200);
    assert.deepEqual(
      inspected.multiSegment.segments.map((s) => s.name),
      ['v_layout', 'v_1', '~', 'v_2'],
    );
    assert.deepEqual(
      inspected.signals.map((s) => [s.name, s.physical.present, s.physical.missing]),
      [
        ['MLII', 5400, 1800],
        ['V5', 1800, 5400],
      ],
    );

    const home = tempHome('multiseg');
    const workspace = Workspace.open(home.dir);
    try {
      const ctx = quietContext();
      const split = parseSplitSpec('all-test');
      const whole = loadEcgDataset(
        workspace,
        importWfdbDataset(
          workspace,
          { inputs: [resourcePath('mitdb', '100')], name: 'w', split, durationSeconds: 20 },
          ctx,
        ).datasetId,
      );
      const fromFixed = loadEcgDataset(
        workspace,
        importWfdbDataset(workspace, { inputs: [join(dir, 'fixed')], name: 'f', split }, ctx).datasetId,
      );
      const gapped = importWfdbDataset(workspace, { inputs: [join(dir, 'variable')], name: 'v', split }, ctx);
      const fromVariable = loadEcgDataset(workspace, gapped.datasetId);
      // The fixed-layout record yields record 100's beats of its first 20 s (less the last, cut by the end).
      assert.ok(fromFixed.labels.length >= whole.labels.length - 1 && fromFixed.labels.length > 20);
      assert.deepEqual(fromFixed.windows, whole.windows.subarray(0, fromFixed.windows.length));
      // Beats whose window touches the gap are left out, with a warning.
      assert.ok(fromVariable.labels.length < fromFixed.labels.length - 3);
      assert.ok(gapped.warnings.some((w) => /overlap a gap/.test(w)));
      assert.ok(fromVariable.windows.every(Number.isFinite));
    } finally {
      workspace.close();
      home.cleanup();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad multi-segment header or segment is refused with the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-multiseg-bad-'));
  try {
    writeFixtures(dir);
    const refuse = (text: string, pattern: RegExp) => {
      writeFileSync(join(dir, 'bad.hea'), text);
      assert.throws(
        () => readWfdbMultiSegmentRecord(join(dir, 'bad')),
        (e: unknown) =>
          e instanceof AttestError &&
          pattern.test(e.message) &&
          /bad\.hea|f_1|nope/.test(e.message + (e.file ?? '')),
      );
    };
    refuse('bad/3 2 360 7200\nf_1 3000\nf_2 4200\n', /declares 3 segments but has 2/);
    refuse('bad/2 2 360 9000\nf_1 3000\nf_2 4200\n', /9000 samples but its segments add up to 7200/);
    refuse('bad/2 2 360 7200\nf_1 3001\nf_2 4199\n', /f_1 has 3000 samples/);
    refuse('bad/1 2 360 3000\nnope 3000\n', /does not exist/);
    refuse('bad/x 2 360\n', /segment count/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
