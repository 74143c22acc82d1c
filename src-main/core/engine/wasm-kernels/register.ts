import { tf } from '../tf.js';
import { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasm } from './conv2d-backprop-input.js';
import { maxPoolGradWasm } from './max-pool-grad.js';
import { identityWasm } from './identity.js';
import { depthwiseConv2dNativeBackpropFilterWasm } from './depthwise-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputWasm } from './depthwise-backprop-input.js';
import { unsortedSegmentSumWasm } from './unsorted-segment-sum.js';
import { conv2DWasm, fusedConv2DWasm } from './conv2d.js';
import { addWasm } from './add.js';
import { sumWasm } from './sum.js';
import { reluGradient, reluGradWasm } from './relu-grad.js';
import { minGradWasm, minimumGradient, minimumWasm } from './minimum.js';
import { batchMatMulWasm } from './batch-mat-mul.js';
import { keepBackendKernel } from './backend-kernels.js';

/**
 * Kernels the wasm backend of TF.js 4.22 lacks for training Keras-style models: the filter gradient of every
 * convolution, both gradients of depthwise (and so separable) convolutions, and the gradient of gather
 * (Embedding). Everything else `model.fit` needs (AvgPoolGrad, the activations' gradients, Adam's ops) is
 * there. Registered only where missing: a later TF.js release may ship its own.
 */
export const WASM_MISSING_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterWasm,
  depthwiseConv2dNativeBackpropFilterWasm,
  depthwiseConv2dNativeBackpropInputWasm,
  unsortedSegmentSumWasm,
];

/**
 * Kernels the wasm backend has but that are far slower than what we register instead (a composition of its own
 * fast kernels, or one pass over the heap): measured on ecg-resnet training, see each file.
 */
export const WASM_FASTER_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropInputWasm,
  maxPoolGradWasm,
  identityWasm,
  conv2DWasm,
  fusedConv2DWasm,
  addWasm,
  sumWasm,
  minimumWasm,
  batchMatMulWasm,
];

/**
 * Our kernels with their own gradients: each computes on wasm what TF.js's gradient of that op computes with
 * several kernels, and the gradient, registered for every backend, calls it only there (see each file).
 */
const WITH_GRADIENTS: readonly [tf.KernelConfig, tf.GradConfig][] = [
  [reluGradWasm, reluGradient],
  [minGradWasm, minimumGradient],
];

/**
 * Registers the kernels above for 'wasm'. Safe to call any number of times, before or after the backend
 * starts; returns the names it (re)registered this time.
 */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const [config, gradient] of WITH_GRADIENTS) {
    if (tf.getKernel(config.kernelName, 'wasm') !== undefined) continue;
    tf.registerKernel(config);
    tf.registerGradient(gradient);
    added.push(config.kernelName);
  }
  for (const config of WASM_MISSING_KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm') !== undefined) continue;
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  for (const config of WASM_FASTER_KERNELS) {
    const present = tf.getKernel(config.kernelName, 'wasm');
    if (present === config) continue;
    if (present !== undefined) {
      // Kept for the cases ours hand back (geometries, dtypes and shapes they leave out).
      keepBackendKernel(present);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
