import { tf, tfl } from '../tf.js';
import { simdKernelsActive } from './simd-module.js';

/** The fields of TF.js layers' Conv1D that its call reads (they are protected in its typings). */
interface Conv1DFields {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  strides: number[];
  dilationRate: number[];
  padding: string;
  dataFormat: string;
  activation: { getClassName(): string } | null;
}

type Call = (
  this: tfl.layers.Layer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: object,
) => tf.Tensor | tf.Tensor[];

let installed = false;

/**
 * TF.js layers fuse a Conv2D layer's bias and activation into one FusedConv2D, but run a Conv1D layer as conv1d,
 * then a bias add, then the activation: three passes over the output forward, more backward. On wasm with our
 * kernels, Conv1D layers with ReLU or no activation go through the same fused op instead (the layer one row
 * high, as conv1d itself runs it): ecg-resnet's inference ~10% faster, a training step about the same (the
 * fused op's gradient also computes the first layer's input gradient, which the tape would have pruned), the
 * same values (the tests compare with the cpu backend). Everything else keeps the layer's own call. Installed once, on the
 * Conv1D class; models, their serialization and the other backends are untouched.
 */
export function fuseConv1dOnWasm(): void {
  if (installed) return;
  installed = true;
  const prototype = Object.getPrototypeOf(tfl.layers.conv1d({ filters: 1, kernelSize: 1 })) as {
    call: Call;
  };
  const own = prototype.call;
  prototype.call = function (this: tfl.layers.Layer, inputs, kwargs) {
    const layer = this as unknown as Conv1DFields;
    const activation = layer.activation?.getClassName() ?? 'linear';
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (
      !simdKernelsActive() ||
      (activation !== 'relu' && activation !== 'linear') ||
      layer.dataFormat !== 'channelsLast' ||
      (layer.padding !== 'same' && layer.padding !== 'valid') ||
      (Array.isArray(inputs) && inputs.length !== 1) ||
      x === undefined ||
      x.rank !== 3
    ) {
      return own.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const [batch, width, channels] = x.shape as [number, number, number];
      const y = tf.fused.conv2d({
        x: tf.reshape(x, [batch, 1, width, channels]) as tf.Tensor4D,
        filter: tf.expandDims(layer.kernel.read(), 0) as tf.Tensor4D,
        strides: [1, layer.strides[0] ?? 1],
        pad: layer.padding as 'same' | 'valid',
        dilations: [1, layer.dilationRate[0] ?? 1],
        ...(layer.bias !== null ? { bias: layer.bias.read() } : {}),
        activation,
      });
      return tf.reshape(y, [batch, y.shape[2], y.shape[3]]);
    });
  };
}
