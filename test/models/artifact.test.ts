import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';

import {
  dequantizeSymmetricPerChannel,
  quantizeSymmetricPerChannel,
} from '../../src-main/core/models/weights/quantize-int8.js';
import { countParams } from '../../src-main/core/compress/model-size.js';
import {
  applyMasks,
  disposeMasks,
  magnitudeMasks,
  prunableWeights,
} from '../../src-main/core/compress/prune-magnitude.js';
import { tf, type tfl } from '../../src-main/core/engine/tf.js';
import { AttestError } from '../../src-main/core/errors.js';
import {
  decodeModelArtifact,
  encodeModelArtifact,
  readModelArtifactHeader,
} from '../../src-main/core/models/artifact.js';
import { buildResidualModel, buildSmallModel, loadBeats, useCpuBackend } from '../compress/fixtures.js';

before(useCpuBackend);

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function headerLengthOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
}

/** Weight bytes after the header. */
function weightPartLength(bytes: Uint8Array): number {
  return bytes.byteLength - 12 - headerLengthOf(bytes);
}

/** A copy of an artifact with its header replaced by `edit(header)`, weight bytes kept. */
function withHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => unknown): Uint8Array {
  const headerEnd = 12 + headerLengthOf(bytes);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, headerEnd))) as Record<
    string,
    unknown
  >;
  const headerBytes = new TextEncoder().encode(JSON.stringify(edit(header)));
  const out = new Uint8Array(12 + headerBytes.byteLength + (bytes.byteLength - headerEnd));
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, 12);
  out.set(bytes.subarray(headerEnd), 12 + headerBytes.byteLength);
  return out;
}

function predict(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

test('float32 artifact round-trips to a model with bit-identical predictions on real beats', async () => {
  const model = buildSmallModel();
  const beats = loadBeats();
  const baseline = tf.memory().numTensors;

  const bytes = await encodeModelArtifact(model, { meta: { parentId: null, recipe: 'none' } });
  assert.equal(tf.memory().numTensors, baseline, 'encode leaks no tensor');
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), 'ATTESTM1');
  assert.equal(weightPartLength(bytes), model.countParams() * 4);

  const { model: loaded, header } = await decodeModelArtifact(bytes, 'model.bin');
  assert.equal(
    tf.memory().numTensors,
    baseline + loaded.weights.length,
    'decode holds only the model weights',
  );
  assert.deepEqual(header.meta, { parentId: null, recipe: 'none' });
  assert.equal(header.version, 1);
  assert.deepEqual(
    header.weightSpecs.map((spec) => [spec.name, spec.shape, spec.dtype]),
    model.weights.map((weight) => [weight.originalName, weight.shape, 'float32']),
  );
  assert.deepEqual(
    loaded.layers.map((layer) => layer.getClassName()),
    ['Conv1D', 'Flatten', 'Dense'],
  );
  const expected = predict(model, beats.x);
  const actual = predict(loaded, beats.x);
  assert.equal(actual.length, 192 * 2);
  assert.deepEqual(actual, expected);
  assert.equal(tf.memory().numTensors, baseline + loaded.weights.length, 'predict leaks no tensor');

  // Re-encoding the loaded model gives the very same bytes: nothing is lost or reordered on the way.
  assert.equal(sha256(await encodeModelArtifact(loaded, { meta: header.meta })), sha256(bytes));

  loaded.dispose();
  assert.equal(tf.memory().numTensors, baseline);
  model.dispose();
  tf.dispose([beats.x, beats.y]);
});

test('int8 artifact stores kernels as int8 (about 4x smaller) and predicts within tolerance', async () => {
  const model = buildSmallModel();
  const beats = loadBeats();
  const baseline = tf.memory().numTensors;

  const float32Bytes = await encodeModelArtifact(model);
  const int8Bytes = await encodeModelArtifact(model, { weights: 'int8' });
  assert.equal(tf.memory().numTensors, baseline);
  const ratio = weightPartLength(float32Bytes) / weightPartLength(int8Bytes);
  assert.ok(ratio > 3.7 && ratio <= 4, `weight part ${ratio.toFixed(2)}x smaller`);

  const header = readModelArtifactHeader(int8Bytes, 'int8.bin');
  const byName = new Map(header.weightSpecs.map((spec) => [spec.name, spec]));
  for (const weight of model.weights) {
    const spec = byName.get(weight.originalName);
    assert.ok(spec !== undefined, weight.originalName);
    if (weight.shape.length >= 2) {
      assert.equal(spec.dtype, 'int8', `${spec.name} is a kernel`);
      assert.equal(spec.quantization?.scheme, 'symmetric-per-channel');
      assert.equal(spec.quantization?.axis, weight.shape.length - 1);
      assert.equal(spec.quantization?.scales.length, weight.shape.at(-1));
    } else {
      assert.equal(spec.dtype, 'float32', `${spec.name} is a bias`);
      assert.equal(spec.quantization, undefined);
    }
  }

  const { model: loaded } = await decodeModelArtifact(int8Bytes, 'int8.bin');
  assert.equal(tf.memory().numTensors, baseline + loaded.weights.length);
  // The loaded kernels are exactly the dequantized int8 values, the biases exactly the originals.
  model.weights.forEach((weight, index) => {
    const original = weight.read().dataSync() as Float32Array;
    const restored = loaded.weights[index]?.read().dataSync() as Float32Array;
    if (weight.shape.length < 2) assert.deepEqual(restored, original);
    else {
      const shape = weight.shape as number[];
      const { q, scales } = quantizeSymmetricPerChannel(original, shape);
      assert.deepEqual(restored, dequantizeSymmetricPerChannel(q, scales, shape));
    }
  });
  const expected = predict(model, beats.x);
  const actual = predict(loaded, beats.x);
  let maxDifference = 0;
  for (let i = 0; i < expected.length; i++)
    maxDifference = Math.max(maxDifference, Math.abs((expected[i] as number) - (actual[i] as number)));
  assert.ok(maxDifference > 0, 'int8 is lossy: predictions must move a little');
  assert.ok(maxDifference < 0.01, `softmax outputs within 0.01 (max difference ${maxDifference})`);

  loaded.dispose();
  assert.equal(tf.memory().numTensors, baseline);
  model.dispose();
  tf.dispose([beats.x, beats.y]);
});

test('a functional model with a residual Add and batch norm round-trips in float32 and int8', async () => {
  const model = buildResidualModel();
  const beats = loadBeats();
  // Move the batch-norm statistics away from their initial values, so that their round trip is tested too.
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  await model.fit(beats.x, beats.y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
  const expected = predict(model, beats.x);
  const baseline = tf.memory().numTensors;

  const { model: exact } = await decodeModelArtifact(await encodeModelArtifact(model), 'residual.bin');
  assert.deepEqual(
    exact.layers.map((layer) => layer.getClassName()),
    model.layers.map((layer) => layer.getClassName()),
  );
  assert.ok(exact.layers.some((layer) => layer.getClassName() === 'Add'));
  assert.deepEqual(predict(exact, beats.x), expected);
  exact.dispose();

  const int8Bytes = await encodeModelArtifact(model, { weights: 'int8' });
  const int8Specs = readModelArtifactHeader(int8Bytes).weightSpecs.filter((spec) => spec.dtype === 'int8');
  assert.equal(int8Specs.length, 3, 'the two conv kernels and the dense kernel');
  const { model: approximate } = await decodeModelArtifact(int8Bytes, 'residual-int8.bin');
  const actual = predict(approximate, beats.x);
  const maxDifference = Math.max(...expected.map((v, i) => Math.abs(v - (actual[i] as number))));
  assert.ok(maxDifference < 0.01, `softmax outputs within 0.01 (max difference ${maxDifference})`);
  approximate.dispose();
  assert.equal(tf.memory().numTensors, baseline);

  model.dispose();
  tf.dispose([beats.x, beats.y]);
});

test('pruned zeros survive int8 storage exactly (prune:0.8,quant:int8 keeps its sparsity)', async () => {
  const model = buildSmallModel();
  const masks = magnitudeMasks(model, 0.8);
  applyMasks(model, masks);
  disposeMasks(masks);
  const pruned = countParams(model);
  const baseline = tf.memory().numTensors;
  const { model: loaded } = await decodeModelArtifact(await encodeModelArtifact(model, { weights: 'int8' }));
  const stored = countParams(loaded);
  assert.equal(stored.params, pruned.params);
  // int8 may round a few more tiny weights to zero, never revive one.
  assert.ok(stored.nonzero <= pruned.nonzero && stored.nonzero > pruned.nonzero * 0.95, `${stored.nonzero}`);
  const kernels = prunableWeights(model);
  prunableWeights(loaded).forEach((kernel, index) => {
    const original = kernels[index]?.read().dataSync() ?? [];
    const restored = kernel.read().dataSync();
    original.forEach((v, i) => {
      if (v === 0) assert.ok(Object.is(restored[i], 0), `${kernel.originalName}[${i}]`);
    });
  });
  loaded.dispose();
  assert.equal(tf.memory().numTensors, baseline);
  model.dispose();
});

test('encoding is deterministic: the same model gives the same bytes and SHA-256, meta key order aside', async () => {
  const model = buildSmallModel();
  const first = await encodeModelArtifact(model, { weights: 'int8', meta: { b: 1, a: { y: 2, x: 3 } } });
  const second = await encodeModelArtifact(model, { weights: 'int8', meta: { a: { x: 3, y: 2 }, b: 1 } });
  assert.equal(sha256(first), sha256(second));
  assert.deepEqual(first, second);
  // A different model (other seed) must not collide.
  const other = buildSmallModel(8);
  const otherBytes = await encodeModelArtifact(other, { weights: 'int8', meta: { b: 1, a: { y: 2, x: 3 } } });
  assert.notEqual(sha256(otherBytes), sha256(first));
  model.dispose();
  other.dispose();
});

test('a compiled model records its training config; it loads uncompiled and without leaks', async () => {
  const model = buildSmallModel();
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const bytes = await encodeModelArtifact(model);
  const trainingConfig = readModelArtifactHeader(bytes).trainingConfig as Record<string, unknown>;
  assert.equal(trainingConfig.loss, 'categorical_crossentropy');
  assert.deepEqual(trainingConfig.metrics, ['accuracy']);
  assert.deepEqual(trainingConfig.optimizer_config, {
    class_name: 'Adam',
    config: { learningRate: 0.003, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  });
  const baseline = tf.memory().numTensors;
  const { model: loaded } = await decodeModelArtifact(bytes);
  assert.equal(loaded.optimizer, undefined);
  loaded.dispose();
  assert.equal(tf.memory().numTensors, baseline);

  // A custom loss cannot be stored by name: the header simply has no training config then.
  const custom = buildSmallModel();
  custom.compile({
    optimizer: 'sgd',
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.meanSquaredError(yTrue, yPred),
  });
  assert.equal(readModelArtifactHeader(await encodeModelArtifact(custom)).trainingConfig, undefined);
  // Compiling changes the header only, never the weight bytes.
  const plain = await encodeModelArtifact(model);
  assert.deepEqual(
    plain.subarray(plain.byteLength - model.countParams() * 4),
    bytes.subarray(bytes.byteLength - model.countParams() * 4),
  );
  custom.dispose();
  model.dispose();
});

test('corrupted, truncated or inconsistent artifacts are rejected with BAD_INPUT naming the file', async () => {
  const model = buildSmallModel();
  const bytes = await encodeModelArtifact(model, { weights: 'int8' });
  model.dispose();
  const baseline = tf.memory().numTensors;
  const headerEnd = 12 + headerLengthOf(bytes);

  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /truncated: 0 bytes is too short/],
    [
      'wrong magic',
      Uint8Array.from([...new TextEncoder().encode('ATTESTB1'), ...bytes.subarray(8)]),
      /not an Attest model artifact/,
    ],
    [
      'cut in the header',
      bytes.subarray(0, headerEnd - 10),
      /truncated: the header needs \d+ bytes but only \d+ follow/,
    ],
    [
      'cut in the weights',
      bytes.subarray(0, bytes.byteLength - 1),
      /truncated: the header declares \d+ bytes of weights but \d+ follow/,
    ],
    [
      'trailing bytes',
      Uint8Array.from([...bytes, 0, 0, 0]),
      /3 unexpected bytes after the \d+ bytes of weights/,
    ],
    [
      'bad JSON',
      Uint8Array.from(bytes, (byte, i) => (i === 12 ? 0x21 : byte)),
      /header is not valid UTF-8 JSON/,
    ],
    ['not an object', withHeader(bytes, () => [1, 2]), /header is not a JSON object/],
    ['future version', withHeader(bytes, (h) => ({ ...h, version: 2 })), /format version 2 is not supported/],
    [
      'no topology',
      withHeader(bytes, (h) => ({ ...h, modelTopology: undefined })),
      /no modelTopology object/,
    ],
    [
      'scales missing a channel',
      withHeader(bytes, (h) => {
        const specs = structuredClone(h.weightSpecs) as { quantization?: { scales: number[] } }[];
        specs[0]?.quantization?.scales.pop();
        return { ...h, weightSpecs: specs };
      }),
      /weightSpecs\[0\]: 7 quantization scales for 8 channels/,
    ],
    [
      'unknown dtype',
      withHeader(bytes, (h) => {
        const specs = structuredClone(h.weightSpecs) as { dtype: string }[];
        (specs[1] as { dtype: string }).dtype = 'bfloat16';
        return { ...h, weightSpecs: specs };
      }),
      /weightSpecs\[1\]: dtype "bfloat16" is not float32, float16 or int8/,
    ],
    [
      'negative dimension',
      withHeader(bytes, (h) => {
        const specs = structuredClone(h.weightSpecs) as { shape: number[] }[];
        (specs[1] as { shape: number[] }).shape = [-8];
        return { ...h, weightSpecs: specs };
      }),
      /weightSpecs\[1\]: shape is not an array of non-negative integers/,
    ],
  ];
  for (const [label, corrupt, message] of cases) {
    assert.throws(
      () => readModelArtifactHeader(corrupt, 'models/ab12.bin'),
      (error: unknown) => {
        assert.ok(error instanceof AttestError, label);
        assert.equal(error.code, 'BAD_INPUT', label);
        assert.match(error.message, /^models\/ab12\.bin: /, label);
        assert.match(error.message, message, label);
        return true;
      },
    );
    await assert.rejects(decodeModelArtifact(corrupt, 'models/ab12.bin'), message, label);
  }
  assert.equal(tf.memory().numTensors, baseline, 'rejected artifacts create no tensor');

  // Without a source name, messages still say what was being read.
  assert.throws(() => readModelArtifactHeader(new Uint8Array(3)), { message: /^model artifact: truncated/ });
});

test('a well-formed container whose weights do not fit the topology is rejected as BAD_INPUT', async () => {
  const model = buildSmallModel();
  const bytes = await encodeModelArtifact(model);
  model.dispose();
  // Swap the names of the two kernels: the conv kernel's bytes now claim to be the dense kernel.
  const swapped = withHeader(bytes, (h) => {
    const specs = structuredClone(h.weightSpecs) as { name: string }[];
    const [first, , third] = specs;
    if (first === undefined || third === undefined) throw new Error('expected four weight specs');
    [first.name, third.name] = [third.name, first.name];
    return { ...h, weightSpecs: specs };
  });
  assert.doesNotThrow(() => readModelArtifactHeader(swapped, 'swapped.bin'));
  const baseline = tf.memory().numTensors;
  await assert.rejects(decodeModelArtifact(swapped, 'swapped.bin'), (error: unknown) => {
    assert.ok(error instanceof AttestError);
    assert.equal(error.code, 'BAD_INPUT');
    assert.match(
      error.message,
      /^swapped\.bin: the model does not load: Shape mismatch: \[360,2\] vs. \[7,1,8\]/,
    );
    return true;
  });
  assert.equal(tf.memory().numTensors, baseline, 'the half-built model is disposed');
});
