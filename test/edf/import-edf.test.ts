import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { readWfdbAnnotations } from '../../src-main/core/data/wfdb/annotations.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { loadEcgDataset } from '../../src-main/core/data/ecg-dataset.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';
import { writeEdfPlus } from '../helpers/edf-writer.js';

const MITDB = fileURLToPath(new URL('../../../resources/mitdb/', import.meta.url));
const SECONDS = 61;

/** Record 100 or 119 as EDF+: both leads, same digital values and scaling, beats as TALs in the first 60 s. */
function edfTwin(record: string): Buffer {
  const wfdb = readWfdbRecord(join(MITDB, record));
  const frames = SECONDS * 360;
  const signals = wfdb.header.signals.map((spec, k) => {
    // WFDB: physical = (d - baseline) / gain. EDF: the same line through (digitalMin, physicalMin).
    const digitalMin = -2048;
    const digitalMax = 2047;
    return {
      label: spec.name,
      unit: 'mV',
      physicalMin: (digitalMin - 0) / spec.gain,
      physicalMax: (digitalMax - 0) / spec.gain,
      digitalMin,
      digitalMax,
      digital: Int16Array.from((wfdb.digital[k] as Int32Array).subarray(0, frames), (d) => d - spec.baseline),
    };
  });
  const annotations = readWfdbAnnotations(join(MITDB, `${record}.atr`))
    .filter((a) => a.sample < 60 * 360)
    .map((a) => ({ onset: a.sample / 360, text: a.symbol }));
  return writeEdfPlus({ fs: 360, signals, annotations });
}

test('EDF+ twins of MIT-BIH records import to the same beats and windows as the WFDB originals', async () => {
  const home = tempHome('edf-import');
  try {
    const dir = join(home.dir, 'edf');
    mkdirSync(dir);
    for (const record of ['100', '119']) writeFileSync(join(dir, `${record}.edf`), edfTwin(record));
    const split = 'records:7:0.5';
    const fromEdf = await runCli([
      '--home',
      home.dir,
      'import',
      'edf',
      dir,
      '--name',
      'edf',
      '--split',
      split,
      '--json',
    ]);
    assert.equal(fromEdf.code, 0, fromEdf.stderr);
    const fromWfdb = await runCli([
      '--home',
      home.dir,
      'import',
      'wfdb',
      join(MITDB, '100'),
      join(MITDB, '119'),
      '--name',
      'wfdb',
      '--split',
      split,
      '--duration',
      '60',
      '--json',
    ]);
    assert.equal(fromWfdb.code, 0, fromWfdb.stderr);
    const a = fromEdf.json as {
      datasetId: string;
      splits: Record<string, { total: number; classes: Record<string, number> }>;
    };
    const b = fromWfdb.json as typeof a;
    assert.deepEqual(a.splits, b.splits);
    const workspace = Workspace.open(home.dir);
    try {
      const edf = loadEcgDataset(workspace, a.datasetId);
      const wfdb = loadEcgDataset(workspace, b.datasetId);
      assert.equal(edf.lead, 'first ECG signal');
      assert.deepEqual(Array.from(edf.labels), Array.from(wfdb.labels));
      let worst = 0;
      for (let i = 0; i < edf.windows.length; i++)
        worst = Math.max(worst, Math.abs((edf.windows[i] as number) - (wfdb.windows[i] as number)));
      assert.ok(worst < 1e-5, `windows differ by up to ${worst} mV`);
      const sources = workspace.db
        .prepare('SELECT path, sha256 FROM source_files WHERE dataset_id = ?')
        .all(a.datasetId);
      assert.equal(sources.length, 2, 'one hashed source file per EDF recording');
    } finally {
      workspace.close();
    }
  } finally {
    home.cleanup();
  }
});

test('import edf refuses a file without beats, a missing lead and a truncated file, storing nothing', async () => {
  const home = tempHome('edf-bad');
  try {
    const dir = join(home.dir, 'bad');
    mkdirSync(dir);
    const good = edfTwin('100');
    const noBeats = writeEdfPlus({
      fs: 360,
      annotations: [{ onset: 1, text: 'Lights off' }],
      signals: [
        {
          label: 'MLII',
          unit: 'mV',
          physicalMin: -10,
          physicalMax: 10,
          digitalMin: -2048,
          digitalMax: 2047,
          digital: new Int16Array(360 * 3),
        },
      ],
    });
    const cases: [string, Buffer, string[], RegExp][] = [
      ['nobeats.edf', noBeats, [], /no beat annotation/],
      ['nolead.edf', good, ['--lead', 'V9'], /no signal "V9"; signals: MLII, V5/],
      ['truncated.edf', good.subarray(0, good.length - 7), [], /truncated/],
    ];
    for (const [name, bytes, extra, pattern] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const run = await runCli([
        '--home',
        home.dir,
        'import',
        'edf',
        path,
        '--name',
        'x',
        '--split',
        'all-test',
        ...extra,
        '--json',
      ]);
      assert.equal(run.code, 2, `${name}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.ok(run.stderr.includes(path), `${name}: the message names the file`);
    }
    const list = await runCli(['--home', home.dir, 'datasets', 'list', '--json']);
    assert.deepEqual((list.json as { datasets: unknown[] }).datasets, []);
  } finally {
    home.cleanup();
  }
});
