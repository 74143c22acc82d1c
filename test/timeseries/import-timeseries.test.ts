import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { importTimeseriesDataset } from '../../src-main/core/pipelines/import/import-timeseries-dataset.js';
import { loadEcgDataset, type EcgBeatDataset } from '../../src-main/core/data/ecg-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { readWfdbRecord, physicalSignal } from '../../src-main/core/data/wfdb/record.js';
import { readWfdbAnnotations } from '../../src-main/core/data/wfdb/annotations.js';
import { parseNpy } from '../../src-main/core/data/timeseries/npy.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { AttestError } from '../../src-main/core/errors.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';

/** A NumPy .npy file (format 1.0) holding `values` with this dtype and shape. */
function npy(dtype: '<f4' | '<i8', shape: number[], values: number[]): Buffer {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(values.length * (dtype === '<f4' ? 4 : 8));
  values.forEach((v, i) =>
    dtype === '<f4' ? data.writeFloatLE(v, i * 4) : data.writeBigInt64LE(BigInt(v), i * 8),
  );
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

function rowsOf(dataset: EcgBeatDataset, record: number): { windows: number[][]; labels: number[] } {
  const windows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < dataset.labels.length; i++) {
    if (dataset.record[i] !== record) continue;
    windows.push(Array.from(dataset.windows.subarray(i * dataset.length, (i + 1) * dataset.length)));
    labels.push(dataset.labels[i] as number);
  }
  return { windows, labels };
}

test('one row per beat: CSV files (label last) and NumPy pairs import with their labels, split by file', () => {
  const home = tempHome('ts-beats');
  const workspace = Workspace.open(home.dir);
  try {
    const reference = importWfdbDataset(
      workspace,
      {
        inputs: [resourcePath('mitdb', '100'), resourcePath('mitdb', '119')],
        name: 'reference',
        split: parseSplitSpec('all-test'),
        durationSeconds: 60,
      },
      quietContext(),
    );
    const ref = loadEcgDataset(workspace, reference.datasetId);
    const train = rowsOf(ref, 0);
    const testRows = rowsOf(ref, 1);
    const csv = (rows: ReturnType<typeof rowsOf>): string =>
      rows.windows.map((w, i) => [...w.map((v) => v.toPrecision(9)), rows.labels[i]].join(',')).join('\n');
    writeFileSync(join(home.dir, 'train.csv'), csv(train));
    writeFileSync(join(home.dir, 'test.csv'), csv(testRows));
    const result = importTimeseriesDataset(
      workspace,
      {
        inputs: [join(home.dir, 'train.csv'), join(home.dir, 'test.csv')],
        testFile: join(home.dir, 'test.csv'),
        name: 'csv beats',
        layout: 'beats',
        fs: 360,
      },
      quietContext(),
    );
    assert.equal(result.splits['train']?.total, train.labels.length);
    assert.equal(result.splits['test']?.total, testRows.labels.length);
    assert.deepEqual(result.warnings, []);
    const imported = loadEcgDataset(workspace, result.datasetId);
    assert.deepEqual(Array.from(imported.labels), [...train.labels, ...testRows.labels]);
    for (let i = 0; i < ref.windows.length; i++)
      assert.ok(Math.abs((imported.windows[i] as number) - (ref.windows[i] as number)) < 1e-6, `value ${i}`);

    // The same beats as NumPy: a float32 (beats x samples) array and int64 labels.
    const x = npy('<f4', [train.labels.length, ref.length], train.windows.flat());
    const y = npy('<i8', [train.labels.length], train.labels);
    writeFileSync(join(home.dir, 'x.npy'), x);
    writeFileSync(join(home.dir, 'y.npy'), y);
    assert.deepEqual(parseNpy(y, 'y.npy').shape, [train.labels.length]);
    const fromNpy = importTimeseriesDataset(
      workspace,
      {
        inputs: [join(home.dir, 'x.npy')],
        labels: [join(home.dir, 'y.npy')],
        split: parseSplitSpec('beats:1:0.3'),
        name: 'npy beats',
        layout: 'beats',
        fs: 360,
      },
      quietContext(),
    );
    assert.equal(fromNpy.warnings.length, 1, 'a split by beat is flagged as optimistic');
    const npyData = loadEcgDataset(workspace, fromNpy.datasetId);
    assert.deepEqual(Array.from(npyData.labels), train.labels);
    assert.deepEqual(
      Array.from(npyData.windows.subarray(0, 5)),
      Array.from(Float32Array.from(train.windows[0]!.slice(0, 5))),
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});

test('one row per sample with a beat file per record imports like the WFDB original', () => {
  const home = tempHome('ts-samples');
  const workspace = Workspace.open(home.dir);
  try {
    const dir = join(home.dir, 'csv');
    mkdirSync(join(dir, 'beats'), { recursive: true });
    for (const name of ['100', '119']) {
      const record = readWfdbRecord(resourcePath('mitdb', name));
      const mlii = physicalSignal(record, 0);
      const lines = ['MLII'];
      for (let i = 0; i < 61 * 360; i++) lines.push((mlii[i] as number).toPrecision(9));
      writeFileSync(join(dir, `${name}.csv`), lines.join('\n'));
      const beats = readWfdbAnnotations(resourcePath('mitdb', `${name}.atr`)).filter(
        (a) => a.sample < 60 * 360,
      );
      writeFileSync(
        join(dir, 'beats', `${name}.csv`),
        ['sample,label', ...beats.map((a) => `${a.sample},${a.symbol}`)].join('\n'),
      );
    }
    const split = parseSplitSpec('test:119');
    const fromCsv = importTimeseriesDataset(
      workspace,
      {
        inputs: [join(dir, '100.csv'), join(dir, '119.csv')],
        beatsDir: join(dir, 'beats'),
        lead: 'MLII',
        name: 'csv',
        layout: 'samples',
        fs: 360,
        split,
      },
      quietContext(),
    );
    const fromWfdb = importWfdbDataset(
      workspace,
      {
        inputs: [resourcePath('mitdb', '100'), resourcePath('mitdb', '119')],
        name: 'wfdb',
        split,
        durationSeconds: 60,
      },
      quietContext(),
    );
    assert.deepEqual(fromCsv.splits, fromWfdb.splits);
    const a = loadEcgDataset(workspace, fromCsv.datasetId);
    const b = loadEcgDataset(workspace, fromWfdb.datasetId);
    let worst = 0;
    for (let i = 0; i < a.windows.length; i++)
      worst = Math.max(worst, Math.abs((a.windows[i] as number) - (b.windows[i] as number)));
    assert.ok(worst < 1e-6, `windows differ by ${worst}`);
  } finally {
    workspace.close();
    home.cleanup();
  }
});

test('ragged rows, text in numbers, unknown labels and truncated arrays are refused by place, storing nothing', async () => {
  const home = tempHome('ts-bad');
  try {
    const row = (label: string): string => [...new Array(20).fill('0.5'), label].join(',');
    const files: [string, string | Buffer, RegExp][] = [
      ['ragged.csv', [row('0'), row('1'), '0.1,0.2,1'].join('\n'), /line 3 has 3 cells, the first line 21/],
      [
        'text.csv',
        [row('0'), row('1').replace('0.5', 'abc')].join('\n'),
        /line 2, column 1: "abc" is not a number/,
      ],
      ['label.csv', [row('0'), row('7')].join('\n'), /line 2: label 7 is not a class index/],
      ['empty.csv', '', /the CSV file is empty/],
    ];
    for (const [name, content, pattern] of files) {
      const path = join(home.dir, name);
      writeFileSync(path, content);
      const run = await runCli([
        '--home',
        home.dir,
        'import',
        'csv',
        path,
        '--name',
        'x',
        '--fs',
        '360',
        '--split',
        'beats:1:0.2',
        '--json',
      ]);
      assert.equal(run.code, 2, `${name}: ${run.stderr}`);
      assert.match(run.stderr, pattern, name);
      assert.ok(run.stderr.includes(path), `${name} is named`);
    }
    const noSplit = await runCli([
      '--home',
      home.dir,
      'import',
      'csv',
      join(home.dir, 'ragged.csv'),
      '--name',
      'x',
      '--fs',
      '360',
      '--json',
    ]);
    assert.match(noSplit.stderr, /give --test FILE/);
    const truncated = npy('<f4', [4, 20], new Array(80).fill(1)).subarray(0, 200);
    assert.throws(
      () => parseNpy(truncated, 't.npy'),
      (e: unknown) => e instanceof AttestError && /truncated/.test(e.message),
    );
    assert.throws(() => parseNpy(Buffer.from('PK\u0003\u0004 not numpy'), 'z.npy'), /not a NumPy .npy file/);
    const list = await runCli(['--home', home.dir, 'datasets', 'list', '--json']);
    assert.deepEqual((list.json as { datasets: unknown[] }).datasets, []);
  } finally {
    home.cleanup();
  }
});
