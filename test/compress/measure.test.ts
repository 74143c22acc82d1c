import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, test } from 'node:test';

import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { countFlops } from '../../src-main/core/compress/model-flops.js';
import { measureModels } from '../../src-main/core/compress/measure-model.js';
import {
  decodeFloat16,
  encodeFloat16,
  fromFloat16Bits,
  toFloat16Bits,
} from '../../src-main/core/models/weights/float16.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { exportTfjsLayers, affineUint8 } from '../../src-main/core/compress/export-tfjs.js';
import { applyMasks, disposeMasks, magnitudeMasks } from '../../src-main/core/compress/prune-magnitude.js';
import { AttestError } from '../../src-main/core/errors.js';
import { buildResidualModel, buildSmallModel, loadBeats } from './fixtures.js';

before(() => initEngine('cpu'));

test('FLOPs are counted from the graph: conv, dense, bias, activations, batch norm, add, pooling', () => {
  // buildSmallModel: conv1d(8 filters, kernel 7, stride 2, relu) on [96, 1] -> [45, 8]; flatten 360; dense(2) softmax.
  const small = buildSmallModel();
  const flops = countFlops(small);
  const conv = 2 * 45 * 8 * 7 + 45 * 8 + 45 * 8; // multiply-adds, bias, relu
  const dense = 2 * 360 * 2 + 2 + 2; // multiply-adds, bias, softmax
  assert.deepEqual(
    flops.layers.map((l) => l.flops),
    [conv, 0, dense],
  );
  assert.equal(flops.flops, conv + dense);
  assert.equal(flops.sparseFlops, flops.flops, 'no zero weights yet');
  assert.deepEqual(flops.uncounted, []);
  // Half the kernel weights pruned: the multiply-adds of sparse kernels halve, the rest stays.
  const masks = magnitudeMasks(small, 0.5);
  applyMasks(small, masks);
  disposeMasks(masks);
  const sparse = countFlops(small);
  assert.equal(sparse.flops, flops.flops);
  assert.equal(sparse.sparseFlops, 2 * 45 * 28 + 720 + 2 * 360 + 4);
  small.dispose();

  // The residual model: conv(8, 7, stride 2, same, no activation) -> BN -> ReLU -> conv(8, 5) -> add -> GAP -> dense.
  const residual = countFlops(buildResidualModel());
  const byClass = Object.fromEntries(residual.layers.map((l) => [l.className, l.flops]));
  assert.equal(byClass['BatchNormalization'], 2 * 48 * 8);
  assert.equal(byClass['ReLU'], 48 * 8);
  assert.equal(byClass['Add'], 48 * 8);
  assert.equal(byClass['GlobalAveragePooling1D'], 48 * 8);
  assert.equal(byClass['Dense'], 2 * 8 * 2 + 2 + 2);
});

test('measureModels: bytes and gzip of the artifact, parameter counts, medians of interleaved runs, no leak', async () => {
  const a = buildSmallModel(1);
  const b = buildResidualModel();
  const bytesA = await encodeModelArtifact(a);
  const bytesB = await encodeModelArtifact(b, { weights: 'int8' });
  const before = tf.memory().numTensors;
  const [ma, mb] = await measureModels(
    [
      { model: a, artifactBytes: bytesA },
      { model: b, artifactBytes: bytesB },
    ],
    { runs: 5, warmup: 1 },
  );
  assert.equal(tf.memory().numTensors, before);
  assert.ok(ma !== undefined && mb !== undefined);
  assert.equal(ma.sizeBytes, bytesA.byteLength);
  assert.equal(ma.gzipBytes, gzipSync(bytesA, { level: 9 }).byteLength);
  assert.equal(ma.params, a.countParams());
  assert.equal(mb.params, b.countParams());
  assert.equal(ma.backend, 'cpu');
  assert.equal(ma.flops, countFlops(a).flops);
  for (const m of [ma, mb]) {
    assert.ok(m.latencyMs > 0 && Number.isFinite(m.latencyMs));
    assert.ok(m.batchedMsPerSample > 0 && Number.isFinite(m.batchedMsPerSample));
    assert.equal(m.runs, 5);
  }
  await assert.rejects(measureModels([{ model: a, artifactBytes: bytesA }], { runs: 0 }), AttestError);
  a.dispose();
  b.dispose();
});

test('float16: exact values, rounding to nearest even, overflow, subnormals', () => {
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up to infinity
    [1e6, 0x7c00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -14, 0x0400], // smallest normal
    [1 + 2 ** -11, 0x3c00], // halfway: to even (down)
    [1 + 3 * 2 ** -11, 0x3c02], // halfway: to even (up)
    [0.1, 0x2e66],
    [Infinity, 0x7c00],
  ];
  for (const [value, bits] of cases) assert.equal(toFloat16Bits(value), bits, `${value}`);
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  assert.equal(fromFloat16Bits(0x3555), 0.333251953125);
  const values = Float32Array.from([0.5, -3.25, 1024, 2 ** -20]);
  assert.deepEqual(Array.from(decodeFloat16(encodeFloat16(values))), [0.5, -3.25, 1024, 2 ** -20]);
});

test('a float16 artifact is half the weight bytes and loads with every weight rounded to half precision', async () => {
  const model = buildSmallModel();
  const full = await encodeModelArtifact(model);
  const half = await encodeModelArtifact(model, { weights: 'float16' });
  const weightBytes = model.countParams() * 4;
  assert.ok(Math.abs(full.byteLength - half.byteLength - weightBytes / 2) < 64, 'the header barely changes');
  const { model: loaded, header } = await decodeModelArtifact(half);
  assert.ok(header.weightSpecs.every((s) => s.dtype === 'float16'));
  const original = model.getWeights().map((w) => w.dataSync() as Float32Array);
  loaded.getWeights().forEach((w, i) => {
    const expected = decodeFloat16(encodeFloat16(original[i] as Float32Array));
    assert.deepEqual(Array.from(w.dataSync()), Array.from(expected));
  });
  loaded.dispose();
  model.dispose();
});

test('int8 with float layers keeps those kernels float32', async () => {
  const model = buildSmallModel();
  const dense = model.layers[2]?.name as string;
  const bytes = await encodeModelArtifact(model, { weights: 'int8', floatLayers: [dense] });
  const { header, model: loaded } = await decodeModelArtifact(bytes);
  const kernels = header.weightSpecs.filter((s) => s.shape.length >= 2);
  assert.deepEqual(
    kernels.map((s) => [s.name.startsWith(dense), s.dtype]),
    [
      [false, 'int8'],
      [true, 'float32'],
    ],
  );
  loaded.dispose();
  model.dispose();
});

test('export in the TF.js layers format loads with tf.loadLayersModel and predicts as the stored model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'export-'));
  try {
    const model = buildSmallModel();
    const { x } = loadBeats();
    for (const [weights, tolerance] of [
      ['float32', 0],
      ['float16', 0],
      ['int8', 2e-2],
    ] as const) {
      const bytes = await encodeModelArtifact(model, { weights, meta: { recipe: weights } });
      const out = join(dir, weights);
      const result = exportTfjsLayers(bytes, out);
      const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as {
        format: string;
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      };
      assert.equal(json.format, 'layers-model');
      const group = json.weightsManifest[0];
      assert.ok(group !== undefined);
      assert.deepEqual(group.paths, ['group1-shard1of1.bin']);
      const shard = readFileSync(join(out, 'group1-shard1of1.bin'));
      const expectedDtype = weights === 'int8' ? 'uint8' : weights === 'float16' ? 'float16' : undefined;
      assert.equal(group.weights[0]?.quantization?.dtype, expectedDtype);
      assert.equal(result.totalBytes, shard.byteLength + readFileSync(join(out, 'model.json')).byteLength);
      // What the stock loader does with these files: decode the weights (dequantizing) and build the model.
      const loaded = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: group.weights,
          weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength),
        }),
      );
      const stored = (await decodeModelArtifact(bytes)).model;
      const difference = tf.tidy(
        () =>
          tf
            .max(tf.abs(tf.sub(loaded.predict(x) as tf.Tensor, stored.predict(x) as tf.Tensor)))
            .dataSync()[0] as number,
      );
      assert.ok(difference <= tolerance + 1e-6, `${weights}: predictions differ by ${difference}`);
      assert.ok(
        result.maxWeightDifference <= (weights === 'int8' ? 0.05 : 0),
        `${weights}: ${result.maxWeightDifference}`,
      );
      loaded.dispose();
      stored.dispose();
    }
    x.dispose();
    model.dispose();
    // A folder with files in it is never overwritten; nothing half-written is left by a refusal.
    mkdirSync(join(dir, 'busy'));
    writeFileSync(join(dir, 'busy', 'keep.txt'), 'x');
    assert.throws(() => exportTfjsLayers(new Uint8Array(0), join(dir, 'busy')), /not an empty folder/);
    assert.throws(
      () => exportTfjsLayers(new Uint8Array(20), join(dir, 'bad')),
      (e: unknown) => e instanceof AttestError && e.code === 'BAD_INPUT',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('uint8 affine quantization represents zero exactly', () => {
  const { q, scale, min } = affineUint8(Float32Array.from([-0.3, 0, 0.7, 0, 0.01]));
  assert.equal((q[1] as number) * scale + min, 0);
  assert.equal((q[3] as number) * scale + min, 0);
  assert.ok(Math.abs((q[2] as number) * scale + min - 0.7) <= scale / 2 + 1e-9);
});
