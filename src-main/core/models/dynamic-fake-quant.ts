import { tf, tfl } from '../engine/tf.js';

/**
 * 8-bit activations for fully quantized training: each batch's activations are rounded to 256 levels between
 * their own minimum and maximum (dynamic range, asymmetric, with zero kept exact as TFLite does), in training
 * and at inference. The gradient passes straight through (Bengio et al. 2013): rounding has no useful gradient.
 */
export class DynamicFakeQuant extends tfl.layers.Layer {
  static readonly className = 'DynamicFakeQuant';

  constructor(config: { name?: string } = {}) {
    super(config.name !== undefined ? { name: config.name } : {});
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const quantize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const input = args[0] as tf.Tensor;
      const value = tf.tidy(() => {
        const low = tf.minimum(tf.min(input), 0);
        const high = tf.maximum(tf.max(input), 0);
        const scale = tf.maximum(tf.div(tf.sub(high, low), 255), 1e-12);
        const zero = tf.round(tf.div(tf.neg(low), scale));
        const q = tf.clipByValue(tf.add(tf.round(tf.div(input, scale)), zero), 0, 255);
        return tf.mul(tf.sub(q, zero), scale);
      });
      return { value, gradFunc: (dy: tf.Tensor) => dy };
    });
    return quantize(x) as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return super.getConfig();
  }
}

tf.serialization.registerClass(DynamicFakeQuant);
