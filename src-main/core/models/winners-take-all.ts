import { tf, tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';

/**
 * Winners-take-all activation sparsity in the style of DASNet (Yang et al. 2019, "DASNet: Dynamic activation
 * sparsity for neural network efficiency improvement"): for each sample, only the `keep` fraction of the layer's
 * largest activations pass, the rest become zero, in training and at inference alike, so a sparse kernel could
 * skip them. The gradient flows through the winners only (the mask is a constant of the backward pass).
 */
export class WinnersTakeAll extends tfl.layers.Layer {
  static readonly className = 'WinnersTakeAll';
  readonly keep: number;

  constructor(config: { keep: number; name?: string }) {
    super(config.name !== undefined ? { name: config.name } : {});
    if (!(config.keep > 0 && config.keep <= 1))
      throw badInput(`the winners-take-all fraction must be in (0, 1], got ${config.keep}`);
    this.keep = config.keep;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const keep = this.keep;
    const winners = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const input = args[0] as tf.Tensor;
      const save = args[1] as tf.GradSaveFunc;
      const mask = tf.tidy(() => {
        const [batch, ...rest] = input.shape;
        const size = rest.reduce((a, b) => a * b, 1);
        const k = Math.max(1, Math.round(keep * size));
        const flat = tf.reshape(input, [batch ?? -1, size]);
        const kth = tf.slice(tf.topk(flat, k, true).values, [0, k - 1], [-1, 1]);
        return tf.reshape(tf.cast(tf.greaterEqual(flat, kth), 'float32'), input.shape);
      });
      save([mask]);
      return {
        value: tf.mul(input, mask),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0] as tf.Tensor),
      };
    });
    return winners(x) as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), keep: this.keep };
  }
}

tf.serialization.registerClass(WinnersTakeAll);
