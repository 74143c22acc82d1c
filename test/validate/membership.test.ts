import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import {
  attackFigures,
  lossThresholdAttack,
  normalCdf,
  offlineLira,
  scaledConfidences,
} from '../../src-main/core/validate/membership.js';
import { membershipInference } from '../../src-main/core/validate/membership-suite.js';
import { denseClassifier, prototypeTask, train, useCpuBackend } from './fixtures.js';

before(useCpuBackend);

test('loss-threshold attack: advantage and AUC on hand-made losses; TPR at low FPR needs enough non-members', () => {
  // Members' losses all below every non-member's: a perfect attack.
  const perfect = lossThresholdAttack([0.1, 0.2, 0.3], [0.5, 0.6, 0.7]);
  assert.equal(perfect.auc, 1);
  assert.equal(perfect.advantage, 1);
  assert.equal(perfect.tprAtFpr001, null, '3 non-members cannot resolve a 1% false positive rate');
  // Interleaved: member 0.1 < non 0.2 < member 0.3 < non 0.4: AUC 3/4, best threshold TPR 1/2 - FPR 0.
  const mixed = lossThresholdAttack([0.1, 0.3], [0.2, 0.4]);
  assert.equal(mixed.auc, 0.75);
  assert.equal(mixed.advantage, 0.5);
  // A 1% rate needs 1,000 non-members (ten false positives behind it), 0.1% needs 10,000.
  const many = attackFigures(
    Array.from({ length: 100 }, (_, i) => 1000 + i),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.equal(many.tprAtFpr0001, null, '1,000 non-members: one false positive at 0.1%');
  assert.equal(many.tprAtFpr001, 1);
  const enough = attackFigures(
    Array.from({ length: 100 }, (_, i) => 20000 + i),
    Array.from({ length: 10000 }, (_, i) => i),
  );
  assert.equal(enough.tprAtFpr0001, 1);
});

test('scaled confidence is the logit of the true class; LiRA scores a sample above its OUT distribution high', () => {
  const c = scaledConfidences(Float32Array.from([0.9, 0.05, 0.05]), [0], 3);
  assert.ok(Math.abs((c[0] as number) - Math.log(0.9 / 0.1)) < 1e-6);
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.96) - 0.975) < 1e-4);
  // Two samples; shadows 0 and 1 are OUT on both with confidences around 0 and 5 respectively.
  const out = [Float64Array.from([0, 5]), Float64Array.from([0.2, 5.2])];
  const isIn = [new Uint8Array(2), new Uint8Array(2)];
  const scores = offlineLira([3, 3], out, isIn);
  assert.ok((scores[0] as number) > 0.99, 'far above its OUT mean: member');
  assert.ok((scores[1] as number) < 0.01, 'far below its OUT mean: non-member');
});

test('an overfitted model leaks membership to both attacks; a model that never saw the members does not', async (t) => {
  const shape = [16, 1];
  // Heavy noise and few samples: the model can only fit them by memorising.
  const members = prototypeTask(40, 31, { sigma: 3 });
  const others = prototypeTask(40, 32, { sigma: 3 });
  const fresh = prototypeTask(40, 33, { sigma: 3 });
  const overfit = denseClassifier(shape, 3, 64, 7);
  await train(overfit, members.inputs, shape, members.labels, 3, 200);
  const honest = denseClassifier(shape, 3, 64, 7);
  await train(honest, fresh.inputs, shape, fresh.labels, 3, 200);
  // The optimizers' state of the targets is the fixture's to keep; count from here.
  const before = tf.memory().numTensors;
  const inputs = new Float32Array([...members.inputs, ...others.inputs]);
  const labels = Int32Array.from([...members.labels, ...others.labels]);
  const isMember = Uint8Array.from(labels, (_, i) => (i < 40 ? 1 : 0));
  const trainShadow = async (x: Float32Array, y: Int32Array, seed: number): Promise<tfl.LayersModel> => {
    const model = denseClassifier(shape, 3, 64, seed % 1000);
    await train(model, x, shape, y, 3, 200);
    model.optimizer.dispose();
    return model;
  };
  const [leaky, clean] = await membershipInference({
    targets: [
      { id: 'overfit', model: overfit },
      { id: 'honest', model: honest },
    ],
    inputs,
    sampleShape: shape,
    labels,
    classes: 3,
    isMember,
    shadows: 4,
    trainShadow,
    seed: 1,
  });
  assert.equal(tf.memory().numTensors, before);
  overfit.dispose();
  honest.dispose();
  t.diagnostic(JSON.stringify({ leaky, clean }));
  assert.ok((leaky?.lossThreshold.auc as number) > 0.75, `loss AUC ${leaky?.lossThreshold.auc}`);
  assert.ok((leaky?.lossThreshold.advantage as number) > 0.3);
  assert.ok((leaky?.lira?.auc as number) > 0.7, `LiRA AUC ${leaky?.lira?.auc}`);
  assert.ok(
    Math.abs((clean?.lossThreshold.auc as number) - 0.5) < 0.15,
    `honest loss AUC ${clean?.lossThreshold.auc}`,
  );
  assert.ok(Math.abs((clean?.lira?.auc as number) - 0.5) < 0.15, `honest LiRA AUC ${clean?.lira?.auc}`);
});
