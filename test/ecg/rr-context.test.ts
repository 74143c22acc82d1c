import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rrFeatures, RR_FEATURE_COUNT } from '../../src-main/core/data/ecg/rr-features.js';
import { recordNormalizedRrInputs, recordScales } from '../../src-main/core/data/ecg/record-normalize.js';
import { readWfdbAnnotations } from '../../src-main/core/data/wfdb/annotations.js';
import { aamiClassOf } from '../../src-main/core/data/ecg/aami.js';
import { importWfdbDataset } from '../../src-main/core/pipelines/import/import-wfdb-dataset.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import {
  ecgSampleDataset,
  gatherWindows,
  inputsOfRawBeats,
  loadEcgDataset,
} from '../../src-main/core/data/ecg-dataset.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { resourcePath } from '../../src-main/core/util/resources.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { ARCHITECTURES } from '../../src-main/core/models/registry.js';
import { fgsmPerturb } from '../../src-main/core/validate/fgsm.js';
import { pgdPerturb } from '../../src-main/core/validate/pgd.js';
import { perturbableMask, sampleIndices } from '../../src-main/core/data/sample-dataset.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { validateModel } from '../../src-main/core/pipelines/validate/validate-model.js';
import { getModel } from '../../src-main/core/store/models.js';
import { modelInputContract } from '../../src-main/core/models/input-contract.js';
import { AttestError } from '../../src-main/core/errors.js';
import { tempHome } from '../helpers/temp-home.js';

const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} is not ${b}`);

test('R-R features of a hand-made rhythm: previous, next, local mean, each also over the record mean', () => {
  // Beats at 0, 1, 1.5, 2.5 and 3.5 s (360 Hz): intervals 1, 0.5, 1, 1 s; record mean 3.5 / 4 = 0.875 s.
  const beats = [0, 360, 540, 900, 1260];
  const rr = rrFeatures(beats, 360, [540, 0, 1260]);
  assert.equal(rr.length, 3 * RR_FEATURE_COUNT);
  const expected = [
    // The premature beat at 1.5 s: 0.5 s after its predecessor, 1 s before the next; the local mean spans the
    // whole (short) record: (3.5 - 0) / 4.
    [0.5, 1, 0.875, 0.5 / 0.875, 1 / 0.875, 1, 0.5 / 0.875, 2],
    // The first beat has no previous interval: it takes its next one; local mean over beats 0..5 (clipped).
    [1, 1, 0.875, 1 / 0.875, 1 / 0.875, 1, 1 / 0.875, 1],
    // The last beat has no next interval: it takes its previous one.
    [1, 1, 0.875, 1 / 0.875, 1 / 0.875, 1, 1 / 0.875, 1],
  ];
  expected.flat().forEach((v, i) => close(rr[i]!, v, `value ${i}`));
  assert.deepEqual([...rrFeatures([100], 360, [100])], new Array(RR_FEATURE_COUNT).fill(0));
});

test('record normalization divides by the median beat spread of the record and appends the R-R tail', () => {
  // Record 0: beats of spread 1, 2 and 10 (median 2); record 1: one beat of spread 4.
  const beat = (spread: number): number[] => [-spread, spread, -spread, spread];
  const windows = Float32Array.from([...beat(1), ...beat(2), ...beat(10), ...beat(4)].map((v) => v + 3));
  const records = [0, 0, 0, 1];
  const scales = recordScales(windows, 4, records);
  close(scales.get(0)!, 2, 'record 0 scale');
  close(scales.get(1)!, 4, 'record 1 scale');
  const rr = Float32Array.from({ length: 4 * RR_FEATURE_COUNT }, (_, i) => i / 10);
  const inputs = recordNormalizedRrInputs(windows, 4, records, rr);
  const size = 4 + RR_FEATURE_COUNT;
  // The large (ventricular-like) beat stays 5 times the patient's usual one; the baseline of 3 is gone.
  close(inputs[2 * size + 1]!, 5, 'large beat');
  close(inputs[0]!, -0.5, 'small beat');
  close(inputs[3 * size + 1]!, 1, 'other record');
  assert.deepEqual(
    [...inputs.subarray(size - RR_FEATURE_COUNT, size)],
    [...rr.subarray(0, RR_FEATURE_COUNT)],
  );
});

test('bundled records with --rr-context: R-R values from the annotation times; noise and attacks leave them alone; a model reading them beats the majority class on an unseen record', async () => {
  await initEngine();
  const home = tempHome('rr-context');
  const workspace = Workspace.open(home.dir);
  try {
    const records = ['100', '106', '119', '208'].map((r) => resourcePath('mitdb', r));
    const imported = importWfdbDataset(
      workspace,
      {
        inputs: records,
        name: 'rr',
        split: parseSplitSpec('test:119'),
        durationSeconds: 240,
        preset: 'record-normalized-rr',
      },
      quietContext(),
    );
    const ecg = loadEcgDataset(workspace, imported.datasetId);
    const samples = ecgSampleDataset(ecg);
    assert.equal(samples.inputKind, 'ecg-beat-rr');
    assert.deepEqual(samples.sampleShape, [187 + RR_FEATURE_COUNT, 1]);
    assert.ok(ecg.rr !== undefined && ecg.positions !== undefined);

    // Record 119 by hand: every beat annotation of the first 240 s, at 360 Hz.
    const r119 = ecg.records.indexOf('119');
    const annotated = readWfdbAnnotations(`${resourcePath('mitdb', '119')}.atr`)
      .filter((a) => aamiClassOf(a.symbol) !== undefined && a.sample < 240 * 360)
      .map((a) => a.sample);
    const mean = (annotated.at(-1)! - annotated[0]!) / (annotated.length - 1) / 360;
    const beats119 = Array.from(sampleIndices(samples, 'all')).filter((i) => ecg.record[i] === r119);
    // Beats with 5 neighbours on each side (the edges are the hand-made case above), every 23rd.
    const inside = beats119.filter((i) => {
      const at = annotated.indexOf(ecg.positions![i]!);
      return at >= 5 && at < annotated.length - 5;
    });
    const checked = inside.filter((_, k) => k % 23 === 0);
    assert.ok(checked.length >= 8, `${checked.length} beats checked`);
    for (const i of checked) {
      const at = annotated.indexOf(ecg.positions[i]!);
      const pre = (annotated[at]! - annotated[at - 1]!) / 360;
      const post = (annotated[at + 1]! - annotated[at]!) / 360;
      const local = (annotated[at + 5]! - annotated[at - 5]!) / 10 / 360;
      const got = ecg.rr.subarray(i * RR_FEATURE_COUNT, (i + 1) * RR_FEATURE_COUNT);
      [pre, post, local, pre / mean, post / mean, local / mean, pre / local, post / pre].forEach((v, f) =>
        close(got[f]!, v, `beat at ${ecg.positions![i]} feature ${f}`),
      );
    }
    // Record 119's ventricular beats come early (bigeminy): their previous interval is shorter than the normal beats'.
    const prematurity = (label: number): number => {
      const of = beats119.filter((i) => ecg.labels[i] === label);
      return of.reduce((s, i) => s + ecg.rr![i * RR_FEATURE_COUNT + 3]!, 0) / of.length;
    };
    assert.ok(prematurity(2) < 0.9 * prematurity(0), `V ${prematurity(2)} vs N ${prematurity(0)}`);

    // Noise (as the noise stress test adds it to the raw beats) and attacks change the waveform only.
    const some = beats119.slice(0, 64);
    const size = 187 + RR_FEATURE_COUNT;
    const clean = samples.inputs(some);
    const raw = gatherWindows(ecg, some);
    const noisy = inputsOfRawBeats(
      ecg,
      raw.map((v, j) => v + 0.3 * Math.sin(j)),
      some,
    );
    const model = ARCHITECTURES['ecg-resnet-rr']!.build({
      sampleShape: samples.sampleShape,
      classes: 5,
      seed: 3,
    });
    const labels = Int32Array.from(some, (i) => ecg.labels[i]!);
    const mask = perturbableMask(size, samples.contextTail);
    const fgsm = fgsmPerturb({
      model,
      inputs: clean,
      sampleShape: [size, 1],
      labels,
      classes: 5,
      epsilon: 0.1,
      ...(mask ? { mask } : {}),
    });
    const pgd = pgdPerturb({
      model,
      inputs: clean,
      sampleShape: [size, 1],
      labels,
      classes: 5,
      epsilon: 0.1,
      settings: { steps: 3 },
      ...(mask ? { mask } : {}),
    });
    model.dispose();
    for (const [name, perturbed] of [
      ['noise', noisy],
      ['fgsm', fgsm],
      ['pgd', pgd],
    ] as const) {
      let waveformChanged = 0;
      for (let k = 0; k < some.length; k++) {
        for (let f = 187; f < size; f++)
          assert.equal(
            perturbed[k * size + f],
            clean[k * size + f],
            `${name} changed R-R value ${f - 187} of beat ${k}`,
          );
        for (let j = 0; j < 187; j++) if (perturbed[k * size + j] !== clean[k * size + j]) waveformChanged++;
      }
      assert.ok(
        waveformChanged > some.length * 100,
        `${name} changed only ${waveformChanged} waveform values`,
      );
    }

    // Trained on 100, 106 and 208 (one held out for validation), tested on the unseen record 119.
    const trained = await trainModel(
      workspace,
      { datasetId: imported.datasetId, arch: 'ecg-resnet-rr', epochs: 4, seed: 1 },
      quietContext(),
    );
    const contract = modelInputContract(getModel(workspace.db, trained.modelId));
    assert.equal(contract.preset, 'record-normalized-rr');
    assert.equal(contract.contextTail?.length, RR_FEATURE_COUNT);
    const validation = (await validateModel(
      workspace,
      {
        modelId: trained.modelId,
        datasetId: imported.datasetId,
        split: 'test',
        suites: ['clean', 'fgsm', 'noise'],
        snrs: [12],
      },
      quietContext(),
    )) as unknown as { clean: { accuracy: number; macroF1: number; confusion: number[][] }; noise: unknown };
    const counts = validation.clean.confusion.map((row) => row.reduce((a, b) => a + b, 0));
    const majorityShare = Math.max(...counts) / counts.reduce((a, b) => a + b, 0);
    // Answering N throughout: F1 of N = 2p / (1 + p), 0 for V, averaged over the classes present.
    const majorityMacroF1 = (2 * majorityShare) / (1 + majorityShare) / counts.filter((c) => c > 0).length;
    assert.ok(
      validation.clean.accuracy > majorityShare && validation.clean.macroF1 > majorityMacroF1 + 0.1,
      `record 119: accuracy ${validation.clean.accuracy} (majority ${majorityShare}), macro-F1 ${validation.clean.macroF1} (majority ${majorityMacroF1})`,
    );
    assert.ok(validation.noise !== undefined);
    // Attacks that cannot yet spare the R-R values refuse rather than corrupt them.
    await assert.rejects(
      validateModel(
        workspace,
        { modelId: trained.modelId, datasetId: imported.datasetId, split: 'test', suites: ['square'] },
        quietContext(),
      ),
      (e: unknown) =>
        e instanceof AttestError && /square suite would change the 8 context values/.test(e.message),
    );
  } finally {
    workspace.close();
    home.cleanup();
  }
});
