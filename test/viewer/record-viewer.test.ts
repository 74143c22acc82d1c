import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MinMaxPyramid } from '../../src-main/core/viewer/min-max-pyramid.js';
import { openRecording } from '../../src-main/core/viewer/recording-source.js';
import { RecordViewer } from '../../src-main/core/viewer/record-viewer.js';
import { predictRecordBeats } from '../../src-main/core/viewer/record-predictions.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { importTimeseriesDataset } from '../../src-main/core/pipelines/import/import-timeseries-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { physicalSignal, readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { readWfdbAnnotations } from '../../src-main/core/data/wfdb/annotations.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { AttestError } from '../../src-main/core/errors.js';
import { seededRandom } from '../../src-main/core/engine/seed.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';

function bruteRange(signal: Float32Array, from: number, to: number): [number, number] {
  let lo = NaN;
  let hi = NaN;
  for (let i = Math.max(0, from); i < Math.min(signal.length, to); i++) {
    const v = signal[i] as number;
    if (Number.isNaN(v)) continue;
    if (!(v >= lo)) lo = Number.isNaN(lo) || v < lo ? v : lo;
    if (!(v <= hi)) hi = Number.isNaN(hi) || v > hi ? v : hi;
  }
  return [lo, hi];
}

test('min/max pyramid ranges equal a brute-force scan, gaps included', () => {
  const random = seededRandom(5);
  const signal = Float32Array.from({ length: 100_003 }, (_, i) => (i % 9_000 < 700 ? NaN : random() * 2 - 1));
  const pyramid = new MinMaxPyramid(signal);
  for (let k = 0; k < 400; k++) {
    const from = Math.floor(random() * signal.length);
    const to = from + Math.floor(random() * (k % 2 === 0 ? 50 : 60_000));
    assert.deepEqual(pyramid.range(from, to), bruteRange(signal, from, to), `range ${from}..${to}`);
  }
  assert.deepEqual(pyramid.range(0, 700), [NaN, NaN]);
  const { min, max } = pyramid.envelope(0, signal.length, 997);
  assert.equal(Math.min(...min.filter((v) => !Number.isNaN(v))), bruteRange(signal, 0, signal.length)[0]);
  assert.equal(Math.max(...max.filter((v) => !Number.isNaN(v))), bruteRange(signal, 0, signal.length)[1]);
});

test('record strips of an imported WFDB record: raw or min/max columns, annotations in view; a changed file is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-viewer-'));
  const home = tempHome('viewer');
  const workspace = Workspace.open(home.dir);
  try {
    for (const ext of ['hea', 'dat', 'atr'])
      copyFileSync(resourcePath('mitdb', `100.${ext}`), join(dir, `100.${ext}`));
    const imported = importWfdbDataset(
      workspace,
      { inputs: [join(dir, '100')], name: 'one', split: parseSplitSpec('all-test') },
      quietContext(),
    );
    const source = readWfdbRecord(join(dir, '100'));
    const mlii = physicalSignal(source, 0);
    const viewer = new RecordViewer(openRecording(workspace, imported.datasetId, '100'));
    assert.equal(viewer.samples, 650_000);

    // Zoomed in (3 s in 2,000 columns): the raw samples themselves.
    const close = viewer.strip({ start: 60, duration: 3, points: 2000 });
    assert.equal(close.samplesPerPoint, 1);
    assert.deepEqual(
      close.leads.map((l) => l.name),
      ['MLII', 'V5'],
    );
    assert.deepEqual(
      close.leads[0]?.values,
      Array.from(mlii.subarray(21600, 22680), (v) => Math.round(v * 1e4) / 1e4),
    );
    // Zoomed out (the whole 30 minutes in 1,500 columns): every column's envelope is its samples' min and max.
    const overview = viewer.strip({ start: 0, duration: 1e9, points: 1500 });
    assert.equal(overview.times.length, 1500);
    assert.ok(Math.abs(overview.totalSeconds - 650_000 / 360) < 1e-9);
    const step = 650_000 / 1500;
    for (const p of [0, 1, 700, 1499]) {
      const [lo, hi] = bruteRange(mlii, Math.floor(p * step), Math.floor((p + 1) * step));
      assert.equal(overview.leads[0]?.min?.[p], Math.round(lo * 1e4) / 1e4);
      assert.equal(overview.leads[0]?.max?.[p], Math.round(hi * 1e4) / 1e4);
    }
    const annotations = readWfdbAnnotations(join(dir, '100.atr'));
    const expected = annotations.filter((a) => a.sample >= 21600 && a.sample < 22680);
    assert.deepEqual(
      close.annotations.map((a) => [a.time, a.symbol]),
      expected.map((a) => [a.sample / 360, a.symbol]),
    );
    assert.ok(close.annotations.every((a) => a.aami === 'N' || a.aami === null));
    assert.equal(overview.annotations.length, annotations.length);
    assert.throws(() => viewer.strip({ start: 2000, duration: 1 }), /start must be/);
    assert.throws(() => viewer.strip({ start: 0, duration: 1, points: 3 }), /points/);
    assert.throws(() => openRecording(workspace, imported.datasetId, '101'), /no record "101"/);

    const dat = readFileSync(join(dir, '100.dat'));
    dat[1000] = (dat[1000] as number) ^ 1;
    writeFileSync(join(dir, '100.dat'), dat);
    assert.throws(
      () => openRecording(workspace, imported.datasetId, '100'),
      (e: unknown) =>
        e instanceof AttestError && /100\.dat/.test(e.message) && /(changed since|checksum)/.test(e.message),
    );
  } finally {
    workspace.close();
    home.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model's beat predictions overlay the strip of a synthetic record; beats-only datasets have no strips", async () => {
  await initEngine();
  const home = tempHome('viewer-predictions');
  const workspace = Workspace.open(home.dir);
  try {
    const ctx = quietContext();
    const imported = importSyntheticEcgDataset(
      workspace,
      { name: 'syn', records: 4, seconds: 60, seed: 2, split: parseSplitSpec('records:1:0.25') },
      ctx,
    );
    const trained = await trainModel(
      workspace,
      { datasetId: imported.datasetId, arch: 'ecg-resnet', epochs: 1, seed: 1 },
      ctx,
    );
    const record = imported.splits['test']?.records[0] as string;
    const baseline = tf.memory().numTensors;
    const predictions = await predictRecordBeats(workspace, trained.modelId, imported.datasetId, record);
    assert.equal(tf.memory().numTensors, baseline);
    assert.equal(predictions.length, imported.splits['test']?.total);
    assert.ok(
      predictions.every(
        (p) => p.confidence > 0 && p.confidence <= 1 && ['N', 'S', 'V', 'F', 'Q'].includes(p.predicted),
      ),
    );
    const viewer = new RecordViewer(openRecording(workspace, imported.datasetId, record));
    viewer.setPredictions(predictions);
    const strip = viewer.strip({ start: 10, duration: 20, points: 800 });
    // Every beat annotated in the view carries the model's prediction at the same time.
    const beats = strip.annotations.filter((a) => a.aami !== null);
    assert.ok(beats.length > 15);
    assert.deepEqual(
      strip.predictions?.map((p) => [p.time, p.truth]),
      beats.map((a) => [a.time, a.aami]),
    );

    const cli = await runCli([
      'view',
      'record',
      '--dataset',
      imported.datasetId,
      '--record',
      record,
      '--start',
      '10',
      '--duration',
      '20',
      '--points',
      '800',
      '--model',
      trained.modelId,
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(cli.json['predictions'], strip.predictions);

    const csv = join(home.dir, 'beats.csv');
    writeFileSync(
      csv,
      Array.from({ length: 6 }, (_, i) => [...new Array(187).fill(i / 10), i % 2].join(',')).join('\n'),
    );
    const beatsOnly = importTimeseriesDataset(
      workspace,
      { inputs: [csv], name: 'csv', layout: 'beats', fs: 125, split: parseSplitSpec('beats:1:0.5') },
      ctx,
    );
    assert.throws(() => openRecording(workspace, beatsOnly.datasetId, 'beats'), /keeps beats only/);
  } finally {
    workspace.close();
    home.cleanup();
  }
});
