import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import { encodeTargets } from '../../src-main/core/detect/targets.js';
import { decodeDetections } from '../../src-main/core/detect/decode-detections.js';
import { evaluateDetections } from '../../src-main/core/detect/average-precision.js';
import { boxIou } from '../../src-main/core/detect/boxes.js';
import { buildCenternetMobile, OUTPUT_STRIDE } from '../../src-main/core/models/centernet-model.js';
import { centernetLoss, heatmapDistillation } from '../../src-main/core/detect/detection-loss.js';
import { letterbox, toCanvas, toFrame, visibleTargets } from '../../src-main/core/detect/frame-placement.js';
import { drawAugmentation } from '../../src-main/core/detect/augmentation.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { pgdInputs } from '../../src-main/core/pipelines/detect/pgd-detection.js';

const logit = (p: number) => Math.log(p / (1 - p));

test('targets decode back to the boxes they encode (heatmap peaks, offsets, log sizes)', () => {
  const boxes = [
    { x0: 10.5, y0: 4, x1: 30, y1: 60.25, classIndex: 0 },
    { x0: 70, y0: 20, x1: 90, y1: 50, classIndex: 1 },
    { x0: 40, y0: 70, x1: 52, y1: 94, classIndex: 1 },
  ];
  const [height, width, classes] = [96, 128, 2];
  const t = encodeTargets([boxes], height, width, classes);
  assert.equal(t.objects, 3);
  assert.equal(t.gridHeight, height / OUTPUT_STRIDE);
  // A perfect model's output: the heatmap as probabilities (as logits), the regression targets at the centres.
  const depth = classes + 4;
  const cells = t.gridHeight * t.gridWidth;
  const grid = new Float32Array(cells * depth);
  for (let cell = 0; cell < cells; cell++) {
    for (let c = 0; c < classes; c++)
      grid[cell * depth + c] = logit(
        Math.min(0.999, Math.max(1e-6, t.heatmap[cell * classes + c] as number)),
      );
    for (let k = 0; k < 4; k++) grid[cell * depth + classes + k] = t.box[cell * 4 + k] as number;
  }
  const found = decodeDetections(grid, t.gridHeight, t.gridWidth, classes, { minScore: 0.5 });
  assert.equal(found.length, 3, JSON.stringify(found));
  for (const b of boxes) {
    const match = found.find((d) => d.classIndex === b.classIndex && boxIou(d, b) > 0.999);
    assert.ok(match !== undefined, `box ${JSON.stringify(b)} not decoded: ${JSON.stringify(found)}`);
  }
  const e = evaluateDetections(
    [{ truths: boxes.map((b) => ({ ...b, difficult: false })), detections: found }],
    ['insulator', 'defect'],
  );
  assert.equal(e.map50, 1);
  assert.equal(e.mapCoco, 1);
});

test('frame placement maps boxes to the canvas and back, with flips, scale jitter and tiles', () => {
  const random = createRng(7);
  const box = { x0: 100, y0: 40, x1: 160, y1: 200 };
  for (let k = 0; k < 50; k++) {
    const { placement } = drawAugmentation(random, 480, 320, 128, 128);
    const back = toFrame(toCanvas(box, 480, 320, placement, 128), 480, 320, placement, 128);
    for (const key of ['x0', 'y0', 'x1', 'y1'] as const) assert.ok(Math.abs(back[key] - box[key]) < 1e-9);
  }
  const fit = letterbox(480, 320, 128, 128);
  assert.equal(fit.scale, 128 / 480);
  assert.equal(fit.offsetX, 0);
  assert.equal(fit.offsetY, Math.floor((128 - Math.round(320 * fit.scale)) / 2));
  const flipped = toCanvas(box, 480, 320, { ...fit, flip: true }, 128);
  assert.ok(Math.abs(flipped.x1 - (128 - box.x0 * fit.scale)) < 1e-9);
  // A tile that shows a third of a box drops it from the targets; one that shows all of it keeps it.
  const tile = { scale: 1, offsetX: -140, offsetY: 0, flip: false };
  const truth = { ...box, classIndex: 0, difficult: false };
  assert.equal(visibleTargets([truth], 480, 320, tile, 128, 128).length, 0);
  assert.equal(
    visibleTargets([truth], 480, 320, { ...tile, offsetX: -60, offsetY: -40 }, 128, 128).length,
    1,
  );
});

test('the detector refuses input sizes that are not multiples of 16, naming the option', () => {
  assert.throws(
    () => buildCenternetMobile({ height: 100, width: 128, classes: 2, seed: 1 }),
    /height must be a multiple of 16 from 32 to 512, got 100/,
  );
  assert.throws(
    () => buildCenternetMobile({ height: 64, width: 64, classes: 0, seed: 1 }),
    /1 to 64 classes/,
  );
});

test('the detector trains on the active backend: the loss falls on a fixed batch, no tensor leaks', async () => {
  await initEngine();
  const model = buildCenternetMobile({ height: 64, width: 64, classes: 2, seed: 3 });
  const random = createRng(11);
  const x = tf.tensor4d(
    Float32Array.from({ length: 4 * 64 * 64 * 3 }, () => random() - 0.5),
    [4, 64, 64, 3],
  );
  // Bright rectangles where the boxes are, so that there is something to find.
  const boxes = [0, 1, 2, 3].map((b) => [
    { x0: 8 + 4 * b, y0: 8, x1: 30 + 4 * b, y1: 50, classIndex: b % 2 },
  ]);
  const t = encodeTargets(boxes, 64, 64, 2);
  const shape = [4, 16, 16] as const;
  const targets = {
    heatmap: tf.tensor4d(t.heatmap, [...shape, 2]),
    negativeWeight: tf.tensor4d(t.negativeWeight, [...shape, 2]),
    box: tf.tensor4d(t.box, [...shape, 4]),
    boxMask: tf.tensor4d(t.boxMask, [...shape, 1]),
    objects: t.objects,
  };
  const before = tf.memory().numTensors;
  const optimizer = tf.train.adam(3e-3);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  for (let step = 0; step < 12; step++) {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => centernetLoss(model.apply(x, { training: true }) as tf.Tensor, targets, 2),
        variables,
      );
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      return value;
    });
    losses.push(loss.dataSync()[0] as number);
    loss.dispose();
  }
  optimizer.dispose();
  // Adam's moments are the only new tensors (two per variable), released with the optimizer above.
  assert.equal(tf.memory().numTensors, before);
  assert.ok(losses.every(Number.isFinite), String(losses));
  assert.ok((losses.at(-1) as number) < 0.6 * (losses[0] as number), `loss ${losses.join(', ')}`);
  tf.dispose([x, targets.heatmap, targets.negativeWeight, targets.box, targets.boxMask]);
  model.dispose();
});

test('PGD on the detection loss raises the loss, stays within its budget and leaves the padding alone', async () => {
  await initEngine();
  const model = buildCenternetMobile({ height: 64, width: 64, classes: 2, seed: 5 });
  const random = createRng(13);
  const before = tf.memory().numTensors;
  const t = encodeTargets([[{ x0: 10, y0: 6, x1: 30, y1: 50, classIndex: 1 }]], 64, 64, 2);
  const { raised, largest, padding } = tf.tidy(() => {
    const targets = {
      heatmap: tf.tensor4d(t.heatmap, [1, 16, 16, 2]),
      negativeWeight: tf.tensor4d(t.negativeWeight, [1, 16, 16, 2]),
      box: tf.tensor4d(t.box, [1, 16, 16, 4]),
      boxMask: tf.tensor4d(t.boxMask, [1, 16, 16, 1]),
      objects: t.objects,
    };
    const clean = tf.tensor4d(
      Float32Array.from({ length: 64 * 64 * 3 }, () => random() - 0.5),
      [1, 64, 64, 3],
    );
    // Rows 48 and below are letterbox padding: they must not move.
    const movable = tf.concat([tf.ones([1, 48, 64, 3]), tf.zeros([1, 16, 64, 3])], 1);
    const eps = 0.05;
    const moved = pgdInputs(model, clean, movable, targets, 2, { eps, steps: 3, low: -2, high: 2 });
    const loss = (x: tf.Tensor) =>
      centernetLoss(model.predict(x) as tf.Tensor, targets, 2).dataSync()[0] as number;
    const change = tf.abs(tf.sub(moved, clean));
    return {
      raised: loss(moved) - loss(clean),
      largest: tf.max(change).dataSync()[0] as number,
      padding: tf.max(tf.slice(change, [0, 48, 0, 0], [1, 16, 64, 3])).dataSync()[0] as number,
    };
  });
  assert.ok(raised > 0, `loss change ${raised}`);
  assert.ok(largest <= 0.05 + 1e-6 && largest > 0.04, `largest move ${largest}`);
  assert.equal(padding, 0);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('a thinner student has fewer parameters; distillation is zero against itself and grows with the gap', async () => {
  await initEngine();
  const teacher = buildCenternetMobile({ height: 64, width: 64, classes: 2, seed: 1 });
  const student = buildCenternetMobile({ height: 64, width: 64, classes: 2, seed: 2, alpha: 0.5 });
  assert.ok(
    student.countParams() < 0.35 * teacher.countParams(),
    `${student.countParams()} vs ${teacher.countParams()}`,
  );
  const [same, apart] = tf.tidy(() => {
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 3);
    const t = teacher.predict(x) as tf.Tensor;
    const s = student.predict(x) as tf.Tensor;
    return [
      heatmapDistillation(t, t, 2, 2).dataSync()[0] as number,
      heatmapDistillation(s, t, 2, 2).dataSync()[0] as number,
    ];
  });
  assert.equal(same, 0);
  assert.ok((apart as number) > 0);
  teacher.dispose();
  student.dispose();
});
