import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEdfFile } from '../../src-main/core/data/edf/record.js';
import { importEdfDataset } from '../../src-main/core/pipelines/import/import-edf-dataset.js';
import { loadEcgDataset } from '../../src-main/core/data/ecg-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { tempHome } from '../helpers/temp-home.js';
import { writeEdfPlus } from '../helpers/edf-writer.js';

test('EDF+D: record starts follow the TALs, beats land in the record that holds their onset, onsets in gaps are dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-edfd-'));
  const home = tempHome('edfd');
  const workspace = Workspace.open(home.dir);
  try {
    const fs = 360;
    // Four one-second records starting at 0, 5, 6 and 9 s: gaps of 4 s and 2 s between them.
    const recordStarts = [0, 5, 6, 9];
    const digital = Int16Array.from({ length: 4 * fs }, (_, i) => Math.round(1000 * Math.sin(i / 20)));
    const path = join(dir, 'gappy.edf');
    writeFileSync(
      path,
      writeEdfPlus({
        fs,
        recordStarts,
        signals: [
          {
            label: 'ECG',
            unit: 'mV',
            physicalMin: -5,
            physicalMax: 5,
            digitalMin: -32768,
            digitalMax: 32767,
            digital,
          },
        ],
        annotations: [
          { onset: 0.5, text: 'N' },
          { onset: 5.25, text: 'V' },
          { onset: 6.5, text: 'A' },
          { onset: 9.5, text: 'N' },
        ],
      }),
    );
    const edf = readEdfFile(path);
    assert.equal(edf.header.variant, 'EDF+D');
    assert.deepEqual(edf.recordStarts, recordStarts);
    assert.deepEqual(
      edf.annotations.map((a) => [a.onset, a.text]),
      [
        [0.5, 'N'],
        [5.25, 'V'],
        [6.5, 'A'],
        [9.5, 'N'],
      ],
    );
    const imported = importEdfDataset(
      workspace,
      { inputs: [path], name: 'gappy', split: parseSplitSpec('all-test'), length: 100, before: 50 },
      quietContext(),
    );
    const dataset = loadEcgDataset(workspace, imported.datasetId);
    // Sample index = record index * samples per record + offset into the record.
    assert.deepEqual(Array.from(dataset.positions ?? []), [
      0.5 * fs,
      fs + 0.25 * fs,
      2 * fs + 0.5 * fs,
      3 * fs + 0.5 * fs,
    ]);
    assert.deepEqual(Array.from(dataset.labels), [0, 2, 1, 0]);
    const window = dataset.windows.subarray(100, 200);
    const expected = Array.from(digital.subarray(fs + 90 - 50, fs + 90 + 50), (d) => (d * 10) / 65535);
    window.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] as number)) < 1e-3, `sample ${i}`));
  } finally {
    workspace.close();
    home.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
