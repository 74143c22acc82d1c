import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { buildEcgResnet } from '../../src-main/core/models/ecg-resnet.js';
import { chooseForwardRuntime, FORWARD_TOLERANCE } from '../../src-main/core/validate/forward-runtime.js';
import { predictProbabilities } from '../../src-main/core/predict/predict.js';
import { maxAbsDifference } from '../import/model-files.js';

function beats(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * 187 }, () => rng() * 4 - 2);
}

test('ecg-resnet exported on the fly and run by ONNX Runtime gives the TF.js probabilities within 1e-4', async () => {
  await initEngine();
  const model = buildEcgResnet({ inputLength: 187, classes: 5, seed: 7 });
  try {
    const forced = chooseForwardRuntime(model, beats(48, 1), [187, 1], 5, 'onnxruntime');
    try {
      assert.equal(forced.info.runtime, 'onnxruntime');
      assert.notEqual(forced.model, model);
      assert.ok((forced.info.probe?.maxAbsDifference ?? 1) <= FORWARD_TOLERANCE);
      // On inputs other than the probe's, batch sizes other than the probe's.
      const other = beats(300, 2);
      const tfjs = predictProbabilities(model, other, [187, 1], 128).probabilities;
      const ort = predictProbabilities(forced.model, other, [187, 1], 100).probabilities;
      assert.equal(ort.length, 300 * 5);
      assert.ok(maxAbsDifference(tfjs, ort) < 1e-4, `difference ${maxAbsDifference(tfjs, ort)}`);
    } finally {
      forced.model.dispose();
    }
    const asked = chooseForwardRuntime(model, beats(8, 3), [187, 1], 5, 'tfjs');
    assert.equal(asked.model, model);
    assert.deepEqual(asked.info, { runtime: 'tfjs', why: 'asked for (--forward-runtime tfjs)' });
    // Measured: whichever runtime it picks, the model it returns is that runtime's and the probe is stated.
    const auto = chooseForwardRuntime(model, beats(64, 4), [187, 1], 5);
    try {
      assert.equal(auto.model === model, auto.info.runtime === 'tfjs');
      assert.equal(auto.info.probe?.samples, 64);
      assert.match(auto.info.why, /samples\/s in ONNX Runtime against \d+ in TF\.js on 64 samples/);
    } finally {
      if (auto.model !== model) auto.model.dispose();
    }
  } finally {
    model.dispose();
  }
});
