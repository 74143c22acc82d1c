import assert from 'node:assert/strict';
import { test } from 'node:test';

import { tf } from '../../src-main/core/engine/tf.js';
import {
  registerWasmTrainingKernels,
  WASM_FASTER_KERNELS,
  WASM_MISSING_KERNELS,
} from '../../src-main/core/engine/wasm-kernels/register.js';
import { assertClose, runKernelOn, seededInput as input, type KernelInput } from './compare-backends.js';

// Our wasm kernels against TF.js's pure-JS cpu kernels, which are the reference implementation (assertClose:
// error relative to the reference's largest value within 1e-4, float32 sums in another order).

type Pad = 'same' | 'valid';
type Pair = [number, number];

interface Geometry {
  label: string;
  x: [number, number, number, number];
  filter: [number, number]; // filter height, width
}

// 1-D convolutions are 2-D ones of height 1 (as tf.conv1d runs them); 2-D ones with odd, uneven sizes.
const GEOMETRIES: Geometry[] = [
  { label: '1-D', x: [3, 1, 41, 0], filter: [1, 5] },
  { label: '2-D', x: [2, 9, 8, 0], filter: [3, 3] },
  { label: '2-D 2x3', x: [2, 7, 10, 0], filter: [2, 3] },
];
const PADS: Pad[] = ['same', 'valid'];

function stridesFor(geometry: Geometry, s: number): Pair {
  return geometry.x[1] === 1 ? [1, s] : [s, s];
}

function outShape(
  xShape: number[],
  filterShape: number[],
  strides: Pair,
  pad: Pad,
  dilations: Pair,
  depthwise: boolean,
) {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    undefined,
    depthwise,
  );
  return info.outShape;
}

/**
 * A filter with dilation d equals a filter d times larger with zeros between its taps (padding is computed from
 * that effective size on every backend). The cpu kernels ignore dilations, so dilated references are computed
 * with such zero-stuffed filters: these helpers build one, and pick the real taps back out of a gradient.
 */
function stuffFilter(filter: KernelInput, dilations: Pair): KernelInput {
  const [fh, fw, c, m] = filter.shape as [number, number, number, number];
  const [dh, dw] = dilations;
  const eh = (fh - 1) * dh + 1;
  const ew = (fw - 1) * dw + 1;
  const values = new Float32Array(eh * ew * c * m);
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++)
      for (let k = 0; k < c * m; k++)
        values[(i * dh * ew + j * dw) * c * m + k] = filter.values[(i * fw + j) * c * m + k] as number;
  return { values, shape: [eh, ew, c, m] };
}

function pickTaps(stuffed: Float32Array, filterShape: number[], dilations: Pair): Float32Array {
  const [fh, fw, c, m] = filterShape as [number, number, number, number];
  const [dh, dw] = dilations;
  const ew = (fw - 1) * dw + 1;
  const values = new Float32Array(fh * fw * c * m);
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++)
      for (let k = 0; k < c * m; k++)
        values[(i * fw + j) * c * m + k] = stuffed[(i * dh * ew + j * dw) * c * m + k] as number;
  return values;
}

test('the wasm backend gets exactly the kernels it lacks, and a faster Conv2DBackpropInput, once', async () => {
  const missing = WASM_MISSING_KERNELS.map((k) => k.kernelName);
  // Before registration wasm really lacks these (the test would be pointless if TF.js had gained them).
  for (const name of missing) assert.equal(tf.getKernel(name, 'wasm'), undefined, `wasm lacks ${name}`);
  assert.deepEqual(missing.sort(), [
    'Conv2DBackpropFilter',
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
    'UnsortedSegmentSum',
  ]);
  registerWasmTrainingKernels();
  assert.deepEqual(registerWasmTrainingKernels(), [], 'a second registration adds nothing');
  for (const config of [...WASM_MISSING_KERNELS, ...WASM_FASTER_KERNELS]) {
    assert.equal(tf.getKernel(config.kernelName, 'wasm'), config, config.kernelName);
  }
  // What the model's training also uses and wasm has natively, fast enough to keep.
  for (const name of ['MaxPoolGrad', 'AvgPoolGrad', 'Step']) {
    assert.ok(tf.getKernel(name, 'wasm') !== undefined, `wasm has ${name}`);
  }
});

test('Conv2DBackpropFilter on wasm matches cpu: strides 1/2, same/valid, dilations 1/2, 1-D and 2-D', async () => {
  let seed = 100;
  let cases = 0;
  for (const geometry of GEOMETRIES) {
    for (const [inC, outC] of [
      [1, 32],
      [3, 4],
      [32, 8],
    ] as Pair[]) {
      for (const s of [1, 2]) {
        for (const pad of PADS) {
          for (const d of [1, 2]) {
            const strides = stridesFor(geometry, s);
            const dilations: Pair = geometry.x[1] === 1 ? [1, d] : [d, d];
            const xShape = [geometry.x[0], geometry.x[1], geometry.x[2], inC];
            const filterShape = [...geometry.filter, inC, outC];
            const x = input(xShape, seed++);
            const dy = input(outShape(xShape, filterShape, strides, pad, dilations, false), seed++);
            const what = `${geometry.label} in ${inC} out ${outC} stride ${s} ${pad} dilation ${d}`;
            const wasm = await runKernelOn(
              'wasm',
              'Conv2DBackpropFilter',
              { x, dy },
              { strides, pad, dataFormat: 'NHWC', filterShape, dilations },
            );
            // TF.js's Conv2DBackpropFilter has no dilations: the dilated reference goes through a stuffed filter.
            const stuffedShape = stuffFilter(
              { values: new Float32Array(filterShape.reduce((a, b) => a * b, 1)), shape: filterShape },
              dilations,
            ).shape;
            const cpu = await runKernelOn(
              'cpu',
              'Conv2DBackpropFilter',
              { x, dy },
              { strides, pad, dataFormat: 'NHWC', filterShape: stuffedShape },
            );
            assertClose(
              wasm,
              { values: pickTaps(cpu.values, filterShape, dilations), shape: filterShape },
              what,
            );
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 72);
});

test('our Conv2DBackpropInput on wasm matches cpu: strides 1/2, same/valid, dilations 1/2, 1-D and 2-D', async () => {
  let seed = 500;
  let cases = 0;
  for (const geometry of GEOMETRIES) {
    for (const [inC, outC] of [
      [1, 32],
      [3, 4],
      [32, 8],
    ] as Pair[]) {
      for (const s of [1, 2]) {
        for (const pad of PADS) {
          for (const d of [1, 2]) {
            const strides = stridesFor(geometry, s);
            const dilations: Pair = geometry.x[1] === 1 ? [1, d] : [d, d];
            const xShape = [geometry.x[0], geometry.x[1], geometry.x[2], inC];
            const filter = input([...geometry.filter, inC, outC], seed++);
            const dy = input(outShape(xShape, filter.shape, strides, pad, dilations, false), seed++);
            const what = `${geometry.label} in ${inC} out ${outC} stride ${s} ${pad} dilation ${d}`;
            const attrs = { strides, pad, dataFormat: 'NHWC', inputShape: xShape };
            const wasm = await runKernelOn(
              'wasm',
              'Conv2DBackpropInput',
              { dy, filter },
              { ...attrs, dilations },
            );
            const cpu = await runKernelOn(
              'cpu',
              'Conv2DBackpropInput',
              { dy, filter: stuffFilter(filter, dilations) },
              attrs,
            );
            assertClose(wasm, cpu, what);
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 72);
});

test('DepthwiseConv2dNativeBackpropFilter and -Input on wasm match cpu: multipliers 1/2, strides, pads, dilations', async () => {
  let seed = 1000;
  let cases = 0;
  for (const geometry of GEOMETRIES) {
    for (const channels of [1, 3, 8]) {
      for (const multiplier of [1, 2]) {
        for (const s of [1, 2]) {
          for (const pad of PADS) {
            for (const d of [1, 2]) {
              const strides = stridesFor(geometry, s);
              const dilations: Pair = geometry.x[1] === 1 ? [1, d] : [d, d];
              const xShape = [geometry.x[0], geometry.x[1], geometry.x[2], channels];
              const filterShape = [...geometry.filter, channels, multiplier];
              const x = input(xShape, seed++);
              const filter = input(filterShape, seed++);
              const dy = input(outShape(xShape, filterShape, strides, pad, dilations, true), seed++);
              const what = `${geometry.label} channels ${channels} x${multiplier} stride ${s} ${pad} dilation ${d}`;
              const stuffed = stuffFilter(filter, dilations);
              const plain = { strides, pad, dilations: [1, 1] };

              const wasmFilter = await runKernelOn(
                'wasm',
                'DepthwiseConv2dNativeBackpropFilter',
                { x, dy },
                { strides, pad, dilations, filterShape },
              );
              const cpuFilter = await runKernelOn(
                'cpu',
                'DepthwiseConv2dNativeBackpropFilter',
                { x, dy },
                { ...plain, filterShape: stuffed.shape },
              );
              assertClose(
                wasmFilter,
                { values: pickTaps(cpuFilter.values, filterShape, dilations), shape: filterShape },
                `filter grad ${what}`,
              );

              const wasmInput = await runKernelOn(
                'wasm',
                'DepthwiseConv2dNativeBackpropInput',
                { dy, filter },
                { strides, pad, dilations, inputShape: xShape },
              );
              const cpuInput = await runKernelOn(
                'cpu',
                'DepthwiseConv2dNativeBackpropInput',
                { dy, filter: stuffed },
                { ...plain, inputShape: xShape },
              );
              assertClose(wasmInput, cpuInput, `input grad ${what}`);
              cases++;
            }
          }
        }
      }
    }
  }
  assert.equal(cases, 144);
});

test('our MaxPoolGrad on wasm matches cpu, ties included: 1-D and 2-D, pools 2/3/5, strides 1/2, same/valid', async () => {
  let seed = 3000;
  let cases = 0;
  // tfjs-layers runs MaxPooling1D on [batch, length, 1, channels]; 2-D pools on images.
  const geometries = [
    { x: [3, 41, 1, 8], pool: (k: number): Pair => [k, 1], stride: (s: number): Pair => [s, 1] },
    { x: [2, 9, 10, 3], pool: (k: number): Pair => [k, k], stride: (s: number): Pair => [s, s] },
  ];
  for (const geometry of geometries) {
    for (const k of [2, 3, 5]) {
      for (const s of [1, 2]) {
        for (const pad of PADS) {
          for (const ties of [false, true]) {
            const x = input(geometry.x, seed++);
            // Rectified and coarsely rounded values tie often, as pooling after a ReLU does.
            if (ties) x.values = x.values.map((v) => Math.max(0, Math.round(v * 2) / 2));
            const attrs = { filterSize: geometry.pool(k), strides: geometry.stride(s), pad };
            const info = tf.backend_util.computePool2DInfo(
              geometry.x as [number, number, number, number],
              attrs.filterSize,
              attrs.strides,
              1,
              pad,
            );
            const dy = input(info.outShape, seed++);
            const output = await runKernelOn('cpu', 'MaxPool', { x }, attrs);
            const inputs = { dy, input: x, output };
            const wasm = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
            const cpu = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs);
            assertClose(
              wasm,
              cpu,
              `${geometry.x.join('x')} pool ${k} stride ${s} ${pad}${ties ? ' ties' : ''}`,
            );
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 48);
});
