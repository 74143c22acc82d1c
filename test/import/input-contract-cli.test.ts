import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { fixture } from './model-files.js';

const RECORD = join(REPO_ROOT, 'resources', 'mitdb', '119');
const OTHER_RECORD = join(REPO_ROOT, 'resources', 'mitdb', '208');

test('validate and predict refuse a model and a dataset whose input contracts disagree, naming both', async () => {
  const home = tempHome('attest-input-contract');
  const h = ['--home', home.dir];
  try {
    const dataset = await runCli([
      'import',
      'wfdb',
      RECORD,
      OTHER_RECORD,
      '--name',
      'kachuee beats',
      '--split',
      'test:119',
      '--duration',
      '300',
      '--preset',
      'kachuee2018',
      ...h,
      '--json',
    ]);
    assert.equal(dataset.code, 0, dataset.stderr);
    const datasetId = dataset.json['datasetId'] as string;
    const refusedWindow = await runCli([
      'import',
      'wfdb',
      RECORD,
      '--name',
      'x',
      '--preset',
      'kachuee2018',
      '--window',
      '180',
      ...h,
    ]);
    assert.equal(refusedWindow.code, 2);
    assert.match(refusedWindow.stderr, /--window cannot be combined with --preset kachuee2018/);

    const importAs = async (extra: string[]): Promise<string> => {
      const run = await runCli([
        'models',
        'import',
        fixture('functional-keras2.h5'),
        '--name',
        'vendor',
        ...extra,
        ...h,
        '--json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      return run.json['modelId'] as string;
    };
    const matching = await importAs(['--classes', 'N,S,V,F,Q', '--preset', 'kachuee2018']);
    const otherPreset = await importAs(['--classes', 'N,S,V,F,Q', '--preset', 'standardize-per-beat']);
    const noPreset = await importAs(['--classes', 'N,S,V,F,Q']);
    const otherClasses = await importAs(['--classes', 'N,V,S,F,Q', '--preset', 'kachuee2018']);

    const validate = (modelId: string) =>
      runCli([
        'validate',
        '--model',
        modelId,
        '--dataset',
        datasetId,
        '--split',
        'test',
        '--suite',
        'clean',
        ...h,
        '--json',
      ]);
    const ok = await validate(matching);
    assert.equal(ok.code, 0, ok.stderr);
    const cleanAccuracy = (ok.json['clean'] as { accuracy: number }).accuracy;
    assert.equal(typeof cleanAccuracy, 'number');

    const presetMismatch = await validate(otherPreset);
    assert.equal(presetMismatch.code, 2);
    assert.match(
      presetMismatch.stdout + presetMismatch.stderr,
      new RegExp(
        `model ${otherPreset} \\(vendor\\) expects samples made with preset standardize-per-beat; dataset ${datasetId} \\(kachuee beats\\) was made with preset kachuee2018`,
      ),
    );
    const unknown = await validate(noPreset);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stdout + unknown.stderr,
      /imported without a preprocessing preset.*--preset kachuee2018/,
    );
    const classes = await validate(otherClasses);
    assert.equal(classes.code, 2);
    assert.match(
      classes.stdout + classes.stderr,
      /outputs the classes N, V, S, F, Q; dataset .* labels its samples N, S, V, F, Q/,
    );

    // predict over the dataset: one CSV row per test beat, with its record, classes and probabilities.
    const csv = join(home.dir, 'predictions.csv');
    const predicted = await runCli([
      'predict',
      '--model',
      matching,
      '--dataset',
      datasetId,
      '--split',
      'test',
      '--out',
      csv,
      ...h,
      '--json',
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'index,record,true_class,predicted_class,p_N,p_S,p_V,p_F,p_Q');
    const splits = dataset.json['splits'] as Record<
      string,
      { total: number; classes: Record<string, number> }
    >;
    assert.equal(lines.length - 1, splits['test']?.total);
    assert.equal(predicted.json['samples'], splits['test']?.total);
    const rows = lines.slice(1).map((line) => line.split(','));
    const trueCounts: Record<string, number> = {};
    let agree = 0;
    for (const row of rows) {
      assert.equal(row[1], '119');
      const p = row.slice(4).map(Number);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      const best = ['N', 'S', 'V', 'F', 'Q'][p.indexOf(Math.max(...p))];
      assert.equal(row[3], best);
      trueCounts[row[2] as string] = (trueCounts[row[2] as string] ?? 0) + 1;
      if (row[2] === row[3]) agree++;
    }
    for (const [name, count] of Object.entries(splits['test']?.classes ?? {}))
      assert.equal(trueCounts[name] ?? 0, count, name);
    assert.ok(Math.abs((predicted.json['accuracy'] as number) - agree / rows.length) < 1e-12);
    // The CSV recomputes what validation reported on the same split.
    assert.ok(Math.abs(agree / rows.length - cleanAccuracy) < 1e-12);

    // An imported model records no training data: compression takes it from --dataset, under the same contract.
    const compressed = await runCli([
      'compress',
      '--model',
      matching,
      '--recipe',
      'quant:int8',
      '--dataset',
      datasetId,
      '--latency-runs',
      '2',
      ...h,
      '--json',
    ]);
    assert.equal(compressed.code, 0, compressed.stderr);
    assert.equal(compressed.json['parentId'], matching);
    const refusedCompress = await runCli([
      'compress',
      '--model',
      otherPreset,
      '--recipe',
      'quant:int8',
      '--dataset',
      datasetId,
      ...h,
    ]);
    assert.equal(refusedCompress.code, 2);
    assert.match(refusedCompress.stderr, /input contract mismatch/);

    const refusedPredict = await runCli([
      'predict',
      '--model',
      otherPreset,
      '--dataset',
      datasetId,
      '--out',
      csv,
      ...h,
    ]);
    assert.equal(refusedPredict.code, 2);
    assert.match(refusedPredict.stderr, /input contract mismatch/);
  } finally {
    home.cleanup();
  }
});
