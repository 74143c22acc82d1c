import { tf } from '../engine/tf.js';

/**
 * Adam (Kingma & Ba 2015, as tf.train.adam computes it) applied in plain JS to weights and gradients that the
 * data-parallel loop already holds as arrays: one pass over the 55k parameters of ecg-resnet instead of ~200
 * small kernel calls per batch, during which the replicas would sit idle.
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 */
export class AdamInJs {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  private constructor(
    sizes: number[],
    /** Settable between steps (learning-rate policies). */
    public learningRate: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /** An equivalent of `optimizer` when it is a fresh tf.train.adam, else undefined (use the optimizer itself). */
  static from(optimizer: tf.Optimizer, sizes: number[]): AdamInJs | undefined {
    if (optimizer.getClassName() !== 'Adam') return undefined;
    const config = optimizer.getConfig() as {
      learningRate: number;
      beta1: number;
      beta2: number;
      epsilon?: number;
    };
    // tf.train.adam's default epsilon is the backend's (1e-7 in float32).
    const epsilon = config.epsilon ?? tf.backend().epsilon();
    return new AdamInJs(sizes, config.learningRate, config.beta1, config.beta2, epsilon);
  }

  /** Updates `weights[k]` in place from `gradients[k]`. */
  step(weights: Float32Array[], gradients: Float32Array[]): void {
    this.t++;
    const { beta1, beta2, epsilon, learningRate } = this;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    weights.forEach((w, k) => {
      const g = gradients[k] as Float32Array;
      const m = this.m[k] as Float32Array;
      const v = this.v[k] as Float32Array;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] as number;
        const mi = beta1 * (m[i] as number) + (1 - beta1) * gi;
        const vi = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] =
          (w[i] as number) - (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
      }
    });
  }
}
