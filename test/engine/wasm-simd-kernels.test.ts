import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { tf } from '../../src-main/core/engine/tf.js';
import {
  heapOffset,
  type ConvRows,
  instantiateSimdKernels,
  simdKernelsOf,
  type SimdKernels,
} from '../../src-main/core/engine/wasm-kernels/simd-module.js';
import { WINOGRAD } from '../../src-main/core/engine/wasm-kernels/winograd-wat.js';
import {
  assertWasmMatchesCpu,
  relativeError,
  runKernelOn,
  seededInput as input,
  seededValues,
} from './compare-backends.js';

// Our SIMD convolutions against TF.js's cpu kernels (the reference): relative error within 1e-4 of the
// reference's largest value, as for the other wasm kernels.
const TOLERANCE = 1e-4;

// Widths that leave 1, 2 and 3 output columns after the blocks of 4; 1-D as TF.js runs it (height 1).
const GEOMETRIES = [
  { label: '1-D', x: [3, 1, 41], filter: [1, 5] },
  { label: '1-D short', x: [2, 1, 6], filter: [1, 5] },
  // ecg-resnet's first layer: Winograd's F(6, 5) where the channels allow (1-D, width 5, whole vectors).
  { label: '1-D ecg', x: [2, 1, 187], filter: [1, 5] },
  { label: '2-D 3x3', x: [2, 9, 10], filter: [3, 3] },
  { label: '2-D 2x3', x: [2, 7, 11], filter: [2, 3] },
];
// [inC, outC]: outC 4 goes to the backend's own kernel, the rest to ours; inC 1 and 3 leave a tail of the
// filter gradient's rows of 4.
const CHANNELS: [number, number][] = [
  [1, 32],
  [3, 8],
  [32, 16],
  [5, 4],
];

/**
 * Counts the calls into some of our kernels (still running them), so a test knows its cases took that path;
 * restore() puts the kernels back.
 */
function countCalls<K extends keyof SimdKernels>(kernels: SimdKernels, names: K[]) {
  const calls = Object.fromEntries(names.map((name) => [name, 0])) as Record<K, number>;
  const originals = names.map((name) => [name, kernels[name]] as const);
  for (const [name, original] of originals) {
    (kernels as unknown as Record<K, (...args: number[]) => void>)[name] = (...args: number[]) => {
      calls[name]++;
      (original as (...args: number[]) => void)(...args);
    };
  }
  return {
    calls,
    restore(): void {
      for (const [name, original] of originals) (kernels as unknown as Record<K, unknown>)[name] = original;
    },
  };
}

test('the SIMD kernels are built on the wasm heap at start, with fused multiply-add where V8 has relaxed SIMD', async () => {
  const engine = await initEngine('wasm');
  const kernels = simdKernelsOf(tf.backend());
  assert.ok(kernels !== undefined, 'kernels prepared by initEngine');
  assert.equal(engine.kernels, kernels.fma ? 'simd-fma' : 'simd');
  // Node 20 has relaxed SIMD behind a flag that the module sets; Electron and Node 22 have it on.
  assert.equal(kernels.fma, true);
});

test('Conv2D and FusedConv2D (bias, ReLU) on wasm match cpu: 1-D (direct and Winograd) and 2-D, same/valid, ragged widths, strides 1/2', async () => {
  let seed = 3000;
  let cases = 0;
  for (const geometry of GEOMETRIES) {
    for (const [inC, outC] of CHANNELS) {
      for (const pad of ['same', 'valid'] as const) {
        for (const s of [1, 2]) {
          const xShape = [...geometry.x, inC];
          if (pad === 'valid' && (xShape[2] as number) < (geometry.filter[1] as number)) continue;
          const strides: [number, number] = geometry.x[1] === 1 ? [1, s] : [s, s];
          const x = input(xShape, seed++);
          const filter = input([...geometry.filter, inC, outC], seed++);
          const bias = input([outC], seed++);
          const what = `${geometry.label} in ${inC} out ${outC} ${pad} stride ${s}`;
          const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1] };
          await assertWasmMatchesCpu('Conv2D', { x, filter }, attrs, `Conv2D ${what}`);
          for (const activation of ['linear', 'relu']) {
            const fused = { ...attrs, activation };
            await assertWasmMatchesCpu(
              'FusedConv2D',
              { x, filter, bias },
              fused,
              `FusedConv2D ${activation} ${what}`,
            );
          }
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 80);
});

test('the build without fused multiply-add computes the same convolution and filter gradient', async () => {
  await initEngine('wasm');
  const backend = tf.backend() as BackendWasm;
  const fma = await instantiateSimdKernels(backend, true);
  const plain = await instantiateSimdKernels(backend, false);
  assert.ok(fma !== undefined && plain !== undefined);
  assert.equal(plain.fma, false);
  const [batch, width, inC, outC] = [3, 23, 16, 24];
  const x = tf.tensor(seededValues(batch * (width + 4) * inC, 7), [batch, 1, width + 4, inC]);
  const filter = tf.tensor(seededValues(5 * inC * outC, 8), [1, 5, inC, outC]);
  const dy = tf.tensor(seededValues(batch * width * outC, 9), [batch, 1, width, outC]);
  const results: Float32Array[] = [];
  for (const kernels of [fma, plain]) {
    const y = tf.zeros([batch, 1, width, outC]);
    const dw = tf.zeros([1, 5, inC, outC]);
    const at = (t: tf.Tensor): number => heapOffset(backend, t);
    const rows: ConvRows = [batch, 1, width, inC, 5 * inC, 1, (width + 4) * inC, (width + 4) * inC, outC];
    kernels.conv(at(x), at(filter), 0, 0, 0, at(y), ...rows);
    kernels.filterGrad(at(x), at(dy), at(dw), ...rows);
    results.push(Float32Array.from([...y.dataSync(), ...dw.dataSync()]));
    y.dispose();
    dw.dispose();
  }
  const [withFma, without] = results as [Float32Array, Float32Array];
  assert.ok(relativeError(withFma, without) <= 1e-6, `relative error ${relativeError(withFma, without)}`);
  assert.ok(withFma.some((v) => Math.abs(v) > 1));
  // And both agree with TF.js's cpu convolution on the same data ('valid' over the padded input).
  const reference = await runKernelOn(
    'cpu',
    'Conv2D',
    {
      x: { values: x.dataSync() as Float32Array, shape: x.shape },
      filter: { values: filter.dataSync() as Float32Array, shape: filter.shape },
    },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
  );
  await initEngine('wasm');
  assert.ok(relativeError(without.subarray(0, batch * width * outC), reference.values) <= TOLERANCE);
  x.dispose();
  filter.dispose();
  dy.dispose();
});

test('Add of a per-channel bias on wasm matches cpu on either side, and other broadcasts still go to the backend', async () => {
  let seed = 4000;
  const cases: [number[], number[]][] = [
    [[3, 7, 32], [32]],
    [[16], [5, 16]],
    [
      [2, 1, 9, 8],
      [1, 1, 8],
    ],
    [[4, 6], [6]], // 6 channels: not whole vectors, the backend's kernel
    [
      [4, 8],
      [4, 1],
    ], // a column, not a bias
    [
      [5, 8],
      [5, 8],
    ],
  ];
  for (const [aShape, bShape] of cases) {
    const a = input(aShape, seed++);
    const b = input(bShape, seed++);
    const what = `[${aShape.join(', ')}] + [${bShape.join(', ')}]`;
    await assertWasmMatchesCpu('Add', { a, b }, {}, what);
  }
});

test('Sum over all axes but the last on wasm matches cpu, keepDims or not; other reductions still go to the backend', async () => {
  let seed = 5000;
  const cases: [number[], number[], boolean][] = [
    [[3, 5, 8], [0, 1], false],
    [[3, 5, 8], [1, 0], true],
    [[40, 16], [0], false],
    [[2, 1, 9, 32], [0, 1, 2], true],
    [[3, 8], [1], false], // the last axis
    [[4, 6], [0], false], // 6 channels
  ];
  for (const [shape, axis, keepDims] of cases) {
    const x = input(shape, seed++);
    const what = `sum of [${shape.join(', ')}] over ${axis.join(', ')} keepDims ${keepDims}`;
    const attrs = { axis, keepDims };
    await assertWasmMatchesCpu('Sum', { x }, attrs, what);
  }
});

test("Winograd's convolution computes the direct one's output, bias and ReLU included, ragged last tile", async () => {
  await initEngine('wasm');
  const backend = tf.backend() as BackendWasm;
  const kernels = await instantiateSimdKernels(backend, true);
  assert.ok(kernels !== undefined && kernels.winograd);
  const [batch, width, inC, outC] = [3, 31, 12, 16]; // 31 outputs: the last tile part used (4 or 6 a tile)
  const tiles = Math.ceil(width / WINOGRAD.outputs);
  const input = tf.tensor(seededValues(batch * width * inC, 11), [batch, 1, width, inC]);
  // The direct kernel reads a zero-padded copy ('same': 2 columns each side); Winograd reads the input itself.
  const padded = tf.pad(input, [
    [0, 0],
    [0, 0],
    [2, 2],
    [0, 0],
  ]);
  const filter = tf.tensor(seededValues(5 * inC * outC, 12), [1, 5, inC, outC]);
  const bias = tf.tensor(seededValues(outC, 13), [outC]);
  const at = (t: tf.Tensor): number => heapOffset(backend, t);
  const direct = tf.zeros([batch, 1, width, outC]);
  const stride = (width + 4) * inC;
  const rows: ConvRows = [batch, 1, width, inC, 5 * inC, 1, stride, stride, outC];
  kernels.conv(at(padded), at(filter), at(bias), 1, 1, at(direct), ...rows);
  const u = tf.zeros([WINOGRAD.points, inC, outC]);
  const v = tf.zeros([WINOGRAD.points, tiles, inC]);
  const m = tf.zeros([WINOGRAD.points, tiles, outC]);
  const winograd = tf.zeros([batch, 1, width, outC]);
  kernels.winogradFilter(at(filter), at(u), inC, outC);
  kernels.winogradConv(
    at(input),
    at(u),
    at(bias),
    1,
    1,
    at(winograd),
    batch,
    width,
    2,
    width,
    inC,
    outC,
    at(v),
    at(m),
  );
  const expected = direct.dataSync() as Float32Array;
  const actual = winograd.dataSync() as Float32Array;
  assert.ok(relativeError(actual, expected) <= 1e-5, `relative error ${relativeError(actual, expected)}`);
  assert.ok(
    expected.some((value) => value > 1) && expected.some((value) => value === 0),
    'ReLU clipped some',
  );
  tf.dispose([input, padded, filter, bias, direct, u, v, m, winograd]);
});

test("Winograd's F(5, 4) filter gradient equals the direct one over ecg-resnet's widths, ragged last tile", async () => {
  await initEngine('wasm');
  const backend = tf.backend() as BackendWasm;
  const kernels = await instantiateSimdKernels(backend, true);
  assert.ok(kernels !== undefined);
  const [batch, width, inC, outC] = [4, 187, 32, 32]; // 'same': 187 outputs, 47 tiles, the last one 3/4 used
  const tiles = Math.ceil(width / 4);
  const input = tf.tensor(seededValues(batch * width * inC, 21), [batch, 1, width, inC]);
  const padded = tf.pad(input, [
    [0, 0],
    [0, 0],
    [2, 2],
    [0, 0],
  ]);
  const dy = tf.tensor(seededValues(batch * width * outC, 22), [batch, 1, width, outC]);
  const at = (t: tf.Tensor): number => heapOffset(backend, t);
  const direct = tf.zeros([1, 5, inC, outC]);
  const stride = (width + 4) * inC;
  kernels.filterGrad(at(padded), at(dy), at(direct), batch, 1, width, inC, 5 * inC, 1, stride, stride, outC);
  const scratch = [tf.zeros([8, tiles, inC]), tf.zeros([8, tiles, outC]), tf.zeros([8, inC, outC])] as const;
  const winograd = tf.zeros([1, 5, inC, outC]);
  kernels.winogradFilterGrad(
    at(input),
    at(dy),
    at(winograd),
    batch,
    width,
    2,
    width,
    inC,
    outC,
    ...(scratch.map(at) as [number, number, number]),
  );
  const expected = direct.dataSync() as Float32Array;
  const actual = winograd.dataSync() as Float32Array;
  assert.ok(relativeError(actual, expected) <= 1e-5, `relative error ${relativeError(actual, expected)}`);
  assert.ok(expected.some((value) => Math.abs(value) > 10));
  tf.dispose([input, padded, dy, direct, winograd, ...scratch]);
});

test("ReLU's gradient on wasm is one kernel of ours and equals the cpu backend's, zeros, NaN and a ragged tail included", async () => {
  const values = seededValues(3 * 7 * 5, 31); // 105 values: 26 vectors of 4 and a tail of 1
  values[0] = 0;
  values[9] = Number.NaN;
  values[104] = -0;
  const upstream = seededValues(values.length, 32);
  const gradients: Float32Array[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await initEngine(backend);
    const x = tf.tensor(values, [3, 7, 5]);
    const dy = tf.tensor(upstream, [3, 7, 5]);
    const profile = await tf.profile(() => {
      const g = tf.grad((input: tf.Tensor) => tf.relu(input))(x, dy);
      gradients.push(Float32Array.from(g.dataSync()));
      g.dispose();
    });
    const names = profile.kernels.map((k) => k.name);
    if (backend === 'wasm') {
      assert.ok(names.includes('AttestReluGrad') && !names.includes('Step'), names.join(', '));
    } else {
      assert.ok(names.includes('Step'), 'cpu keeps TF.js gradient');
    }
    tf.dispose([x, dy]);
  }
  const [wasm, cpu] = gradients as [Float32Array, Float32Array];
  assert.ok(Number.isNaN(wasm[9]) && Number.isNaN(cpu[9]));
  wasm[9] = cpu[9] = 0;
  assert.deepEqual(wasm, cpu);
  assert.ok(wasm.some((v) => v !== 0) && wasm.some((v) => v === 0));
});

test("Winograd's F(4, 3) along the rows: 3-wide convolutions, their input and filter gradients match cpu on image-model layers", async () => {
  await initEngine('wasm');
  const kernels = simdKernelsOf(tf.backend() as BackendWasm);
  assert.ok(kernels !== undefined && kernels.winograd);
  // Count the calls into the row kernels (still running them), so the cases below are known to take that path.
  const spy = countCalls(kernels, ['winogradRowsConv', 'winogradRowsFilterGrad']);
  try {
    let seed = 7000;
    // small-cnn's shapes scaled down; widths 13 and 6 leave a ragged last tile of 4; a 1-D width-3 layer.
    const cases: { x: number[]; filter: number[] }[] = [
      { x: [2, 12, 13, 16], filter: [3, 3, 16, 16] },
      { x: [3, 6, 6, 32], filter: [3, 3, 32, 8] },
      { x: [2, 5, 9, 8], filter: [2, 3, 8, 24] },
      { x: [2, 1, 30, 8], filter: [1, 3, 8, 16] },
    ];
    for (const { x: xShape, filter: filterShape } of cases) {
      for (const pad of ['same', 'valid'] as const) {
        const what = `x ${xShape.join('x')} filter ${filterShape.join('x')} ${pad}`;
        const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] };
        const x = input(xShape, seed++);
        const filter = input(filterShape, seed++);
        const bias = input([filterShape[3] as number], seed++);
        await assertWasmMatchesCpu('Conv2D', { x, filter }, attrs, `Conv2D ${what}`);
        const fused = { ...attrs, activation: 'relu' };
        await assertWasmMatchesCpu('FusedConv2D', { x, filter, bias }, fused, `FusedConv2D ${what}`);
        const outShape = tf.backend_util.computeConv2DInfo(
          xShape as [number, number, number, number],
          filterShape as [number, number, number, number],
          1,
          1,
          pad,
        ).outShape;
        const dy = input(outShape, seed++);
        const gradients = { strides: [1, 1], pad, dataFormat: 'NHWC' };
        await assertWasmMatchesCpu(
          'Conv2DBackpropInput',
          { dy, filter },
          { ...gradients, inputShape: xShape },
          `input gradient ${what}`,
        );
        await assertWasmMatchesCpu(
          'Conv2DBackpropFilter',
          { x, dy },
          { ...gradients, filterShape },
          `filter gradient ${what}`,
        );
      }
    }
    // Conv2D, FusedConv2D and the input gradient convolve by rows; the filter gradient has its own kernel.
    assert.equal(spy.calls.winogradRowsConv, cases.length * 2 * 3);
    assert.equal(spy.calls.winogradRowsFilterGrad, cases.length * 2);
  } finally {
    spy.restore();
  }
});

test("Minimum against a scalar (ReLU6) and its gradient on wasm are kernels of ours with the cpu backend's values, ties and NaN included", async () => {
  const values = seededValues(3 * 7 * 5, 41).map((v) => v * 8); // 105 values around -12..12: tail of 1
  values[0] = 6; // a tie: min(6, x) passes the gradient to 6, min(x, 6) to x
  values[9] = Number.NaN;
  values[104] = 6;
  const upstream = seededValues(values.length, 42);
  const results: Float32Array[][] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await initEngine(backend);
    const x = tf.tensor(values, [3, 7, 5]);
    const dy = tf.tensor(upstream, [3, 7, 5]);
    const six = tf.scalar(6);
    const out: Float32Array[] = [];
    const profile = await tf.profile(() => {
      for (const f of [(t: tf.Tensor) => tf.minimum(six, t), (t: tf.Tensor) => tf.minimum(t, six)]) {
        const y = f(x);
        const g = tf.grad(f)(x, dy);
        out.push(Float32Array.from(y.dataSync()), Float32Array.from(g.dataSync()));
        tf.dispose([y, g]);
      }
    });
    const names = profile.kernels.map((k) => k.name);
    if (backend === 'wasm') {
      assert.ok(names.includes('AttestMinGrad') && !names.includes('Greater'), names.join(', '));
      assert.ok(!names.includes('LessEqual'), names.join(', '));
    }
    results.push(out);
    tf.dispose([x, dy, six]);
  }
  const [wasm, cpu] = results as [Float32Array[], Float32Array[]];
  wasm.forEach((w, k) => {
    const c = cpu[k] as Float32Array;
    assert.equal(Number.isNaN(w[9]), Number.isNaN(c[9]), `output ${k}: NaN`);
    w[9] = c[9] = 0;
    assert.deepEqual(w, c, `output ${k}`);
  });
  // The tie: the gradient goes to the scalar when it is min's first operand, to x when x is.
  assert.ok(wasm[1]?.[0] === 0); // -0 or 0 with the sign of dy, as on the cpu
  assert.equal(wasm[3]?.[0], upstream[0]);
  assert.ok(wasm[0]?.some((v) => v === 6) && wasm[0]?.some((v) => v < 0));
});

test('strided input gradients by one matrix product and col2im match cpu: one to many input channels, uneven strides, pads', async () => {
  await initEngine('wasm');
  const kernels = simdKernelsOf(tf.backend() as BackendWasm);
  assert.ok(kernels !== undefined);
  const spy = countCalls(kernels, ['col2im']);
  try {
    let seed = 8000;
    // mobilenet-student's first layer (one input channel, stride 2) scaled down, then wider and uneven cases.
    const cases: { x: number[]; filter: number[]; strides: [number, number]; dilations: [number, number] }[] =
      [
        { x: [2, 16, 16, 1], filter: [3, 3, 1, 8], strides: [2, 2], dilations: [1, 1] },
        { x: [2, 9, 11, 12], filter: [3, 3, 12, 16], strides: [2, 2], dilations: [1, 1] },
        { x: [3, 1, 40, 6], filter: [1, 5, 6, 8], strides: [1, 3], dilations: [1, 1] },
        { x: [2, 13, 10, 5], filter: [2, 3, 5, 4], strides: [3, 2], dilations: [1, 1] },
      ];
    for (const { x: xShape, filter: filterShape, strides, dilations } of cases) {
      for (const pad of ['same', 'valid'] as const) {
        const filter = input(filterShape, seed++);
        const outShape = tf.backend_util.computeConv2DInfo(
          xShape as [number, number, number, number],
          filterShape as [number, number, number, number],
          strides,
          dilations,
          pad,
        ).outShape;
        const dy = input(outShape, seed++);
        await assertWasmMatchesCpu(
          'Conv2DBackpropInput',
          { dy, filter },
          { strides, pad, dataFormat: 'NHWC', inputShape: xShape, dilations },
          `input gradient x ${xShape.join('x')} filter ${filterShape.join('x')} strides ${strides.join('x')} ${pad}`,
        );
      }
    }
    assert.equal(spy.calls.col2im, 8);
  } finally {
    spy.restore();
  }
});

test('BatchMatMul with transposed operands on wasm (transposed first, then multiplied) matches cpu, ranks 2 to 4', async () => {
  let seed = 9000;
  const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
    { a: [37, 19], b: [23, 19], transposeA: false, transposeB: true }, // a Dense layer's input gradient
    { a: [19, 37], b: [19, 23], transposeA: true, transposeB: false }, // its weight gradient
    { a: [3, 19, 37], b: [3, 23, 19], transposeA: true, transposeB: true },
    { a: [2, 3, 5, 7], b: [2, 3, 6, 7], transposeA: false, transposeB: true },
    { a: [1, 64, 9], b: [1, 64, 8], transposeA: true, transposeB: false },
  ];
  for (const { a, b, transposeA, transposeB } of cases) {
    await assertWasmMatchesCpu(
      'BatchMatMul',
      { a: input(a, seed++), b: input(b, seed++) },
      { transposeA, transposeB },
      `BatchMatMul [${a.join(', ')}]${transposeA ? 'T' : ''} x [${b.join(', ')}]${transposeB ? 'T' : ''}`,
    );
  }
});

test('strided depthwise input gradients by our scatter kernel match cpu: uneven strides, pads, sizes', async () => {
  await initEngine('wasm');
  const kernels = simdKernelsOf(tf.backend() as BackendWasm);
  assert.ok(kernels !== undefined);
  const spy = countCalls(kernels, ['depthwiseInputGrad']);
  try {
    let seed = 9500;
    const cases: { x: number[]; filter: number[]; strides: [number, number] }[] = [
      { x: [2, 16, 16, 16], filter: [3, 3, 16, 1], strides: [2, 2] }, // mobilenet-student's, scaled down
      { x: [3, 9, 11, 8], filter: [3, 3, 8, 1], strides: [2, 2] },
      { x: [2, 13, 10, 4], filter: [2, 3, 4, 1], strides: [3, 2] },
      { x: [2, 1, 31, 12], filter: [1, 5, 12, 1], strides: [1, 2] },
    ];
    for (const { x: xShape, filter: filterShape, strides } of cases) {
      for (const pad of ['same', 'valid'] as const) {
        const filter = input(filterShape, seed++);
        const outShape = tf.backend_util.computeConv2DInfo(
          xShape as [number, number, number, number],
          filterShape as [number, number, number, number],
          strides,
          [1, 1],
          pad,
          undefined,
          true,
        ).outShape;
        const dy = input(outShape, seed++);
        await assertWasmMatchesCpu(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter },
          { strides, pad, dilations: [1, 1], inputShape: xShape },
          `depthwise input gradient x ${xShape.join('x')} filter ${filterShape.join('x')} strides ${strides.join('x')} ${pad}`,
        );
      }
    }
    assert.equal(spy.calls.depthwiseInputGrad, 8);
  } finally {
    spy.restore();
  }
});
