import { tf } from '../tf.js';
import { composeKernel } from './kernel-calls.js';
import { convGeometry } from './conv-taps.js';
import { convForwardSimd, simdConvApplies } from './conv-simd.js';
import { simdKernelsOf } from './simd-module.js';
import { backendKernel, setupBackendKernel } from './backend-kernels.js';

/**
 * Conv2D (and Conv1D, which TF.js runs as a Conv2D one row high) through our SIMD kernel where it applies:
 * ~1.6x the backend's XNNPACK convolution on ecg-resnet's layers, and the input gradients, which run as
 * convolutions, get the same. Otherwise the backend's own kernel.
 */
export const conv2DWasm: tf.KernelConfig = {
  kernelName: tf.Conv2D,
  backendName: 'wasm',
  setupFunc: setupBackendKernel(tf.Conv2D),
  kernelFunc: (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    const kernels = simdKernelsOf(args.backend);
    if (kernels !== undefined && x.dtype === 'float32' && attrs.dataFormat !== 'NCHW') {
      const info = convGeometry(x.shape, filter.shape, attrs, false, 'Conv2D');
      if (simdConvApplies(info, info.outChannels)) {
        return composeKernel(args.backend, (calls) => convForwardSimd(calls, kernels, x, filter, info));
      }
    }
    return backendKernel(tf.Conv2D).kernelFunc(args);
  },
};

/**
 * FusedConv2D (what TF.js layers run for Conv2D with a bias, and for its activation when that is ReLU): bias
 * and ReLU are applied to the accumulators before they are stored. Other activations, PReLU weights or a bias
 * that is not one value per output channel go to the backend's own kernel.
 */
export const fusedConv2DWasm: tf.KernelConfig = {
  kernelName: tf.FusedConv2D,
  backendName: 'wasm',
  setupFunc: setupBackendKernel(tf.FusedConv2D),
  kernelFunc: (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as {
      x: tf.TensorInfo;
      filter: tf.TensorInfo;
      bias?: tf.TensorInfo;
      preluActivationWeights?: tf.TensorInfo;
    };
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const kernels = simdKernelsOf(args.backend);
    const activation = attrs.activation ?? 'linear';
    if (
      kernels !== undefined &&
      x.dtype === 'float32' &&
      attrs.dataFormat !== 'NCHW' &&
      (activation === 'linear' || activation === 'relu') &&
      preluActivationWeights === undefined &&
      (bias === undefined ||
        (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === filter.shape[3]))
    ) {
      const info = convGeometry(x.shape, filter.shape, attrs, false, 'FusedConv2D');
      if (simdConvApplies(info, info.outChannels)) {
        return composeKernel(args.backend, (calls) =>
          convForwardSimd(calls, kernels, x, filter, info, {
            ...(bias === undefined ? {} : { bias }),
            relu: activation === 'relu',
          }),
        );
      }
    }
    return backendKernel(tf.FusedConv2D).kernelFunc(args);
  },
};
