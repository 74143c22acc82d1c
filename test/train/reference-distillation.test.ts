import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { tf } from '../../src-main/core/engine/tf.js';
import { distillOnReference } from '../../src-main/core/train/reference-distillation.js';
import { lossThresholdAttack, sampleLosses } from '../../src-main/core/validate/membership.js';
import { predictProbabilities } from '../../src-main/core/predict/predict.js';
import { denseClassifier, prototypeTask, train, useCpuBackend } from '../validate/fixtures.js';

const SHAPE = [16, 1];

before(useCpuBackend);

test('distillation on reference data (DMP) lowers a constructed memorisation signal at a small accuracy cost', async (t) => {
  // Few, very noisy training samples: a wide model can only fit them by memorising, so its loss on them is far
  // below its loss on other samples of the same distribution. That gap is the signal the attack reads.
  const members = prototypeTask(40, 31, { sigma: 3 });
  const nonMembers = prototypeTask(40, 32, { sigma: 3 });
  const reference = prototypeTask(400, 34, { sigma: 3 });
  const testSet = prototypeTask(600, 35, { sigma: 3 });
  const teacher = denseClassifier(SHAPE, 3, 64, 7);
  await train(teacher, members.inputs, SHAPE, members.labels, 3, 200);
  const student = denseClassifier(SHAPE, 3, 64, 8);
  const optimizer = tf.train.adam(0.01);
  student.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const report = await distillOnReference({
    teacher,
    student,
    reference: reference.inputs,
    sampleShape: SHAPE,
    classes: 3,
    epochs: 60,
    batchSize: 32,
    seed: 1,
    signal: new AbortController().signal,
  });
  assert.equal(report.referenceOffered, 400);
  assert.equal(report.referenceKept, 200, 'the lower-entropy half of the reference inputs');
  assert.ok(report.meanEntropyKept < report.meanEntropyOffered);
  const attack = (model: typeof teacher) => {
    const losses = (x: Float32Array, y: Int32Array) =>
      sampleLosses(predictProbabilities(model, x, SHAPE).probabilities, y, 3);
    return lossThresholdAttack(
      losses(members.inputs, members.labels),
      losses(nonMembers.inputs, nonMembers.labels),
    );
  };
  const accuracy = (model: typeof teacher) => {
    const { probabilities } = predictProbabilities(model, testSet.inputs, SHAPE);
    let right = 0;
    testSet.labels.forEach((label, i) => {
      const row = Array.from(probabilities.subarray(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === label) right++;
    });
    return right / testSet.labels.length;
  };
  const before = attack(teacher);
  const after = attack(student);
  const accuracies = [accuracy(teacher), accuracy(student)];
  t.diagnostic(
    `loss-threshold attack AUC ${before.auc} -> ${after.auc}, advantage ${before.advantage} -> ${after.advantage}; ` +
      `test accuracy ${accuracies.join(' -> ')}`,
  );
  assert.ok((before.auc as number) > 0.8, `the teacher memorised its members (AUC ${before.auc})`);
  // Lowered, not removed: the student copies the teacher's function, which still bears traces of its members.
  assert.ok((after.auc as number) < (before.auc as number) - 0.05, `AUC ${before.auc} -> ${after.auc}`);
  assert.ok(after.advantage < before.advantage - 0.1, `advantage ${before.advantage} -> ${after.advantage}`);
  assert.ok(
    (accuracies[1] as number) > (accuracies[0] as number) - 0.1,
    `accuracy ${accuracies.join(' -> ')}: the task survives`,
  );
  optimizer.dispose();
  teacher.dispose();
  student.dispose();
});
