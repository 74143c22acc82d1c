import { tf, type tfl } from '../engine/tf.js';
import {
  dequantizeSymmetricPerChannel,
  quantizeSymmetricPerChannel,
} from '../models/weights/quantize-int8.js';

/**
 * Fake quantization: the value a tensor would have after a round trip through int8, computed in float so that
 * an int8 model can be simulated (and trained) with ordinary kernels.
 * Activations: asymmetric 8-bit per tensor (scale and zero point from a calibrated [min, max], the TFLite
 * scheme), with a straight-through estimator: the gradient passes unchanged inside the range and is zero
 * outside it (the clipped values), as in Jacob et al. 2018.
 */
export interface ActivationRange {
  min: number;
  max: number;
}

export const ACTIVATION_LEVELS = 255;

/** The range widened to contain 0 (so that zero, e.g. ReLU's output and padding, is exactly representable). */
export function quantParams(range: ActivationRange): { scale: number; zeroPoint: number } {
  const min = Math.min(0, range.min);
  const max = Math.max(0, range.max);
  const scale = max > min ? (max - min) / ACTIVATION_LEVELS : 1;
  return { scale, zeroPoint: Math.round((0 - min) / scale) };
}

/** Fake-quantized activation with a straight-through gradient. */
export function fakeQuantActivation(x: tf.Tensor, range: ActivationRange): tf.Tensor {
  const { scale, zeroPoint } = quantParams(range);
  const low = (0 - zeroPoint) * scale;
  const high = (ACTIVATION_LEVELS - zeroPoint) * scale;
  const op = tf.customGrad((...args) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    const q = tf.clipByValue(tf.add(tf.round(tf.div(input, scale)), zeroPoint), 0, ACTIVATION_LEVELS);
    return {
      value: tf.mul(tf.sub(q, zeroPoint), scale),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const kept = saved[0] as tf.Tensor;
        const inside = tf.logicalAnd(tf.greaterEqual(kept, low), tf.lessEqual(kept, high));
        return tf.mul(dy, tf.cast(inside, 'float32'));
      },
    };
  });
  return op(x) as tf.Tensor;
}

/** Kernels that int8 storage quantizes: float weights of rank >= 2 (Conv and Dense kernels), as artifact.ts. */
export function quantizableKernels(
  model: tfl.LayersModel,
  keepFloat: ReadonlySet<string> = new Set(),
): tfl.LayerVariable[] {
  return model.weights.filter(
    (w) => w.shape.length >= 2 && w.dtype === 'float32' && !keepFloat.has(layerNameOf(w.originalName)),
  );
}

/** "block1_conv1/kernel" -> "block1_conv1". */
export function layerNameOf(weightName: string): string {
  const slash = weightName.lastIndexOf('/');
  return slash < 0 ? weightName : weightName.slice(0, slash);
}

/** Per-channel symmetric int8 round trip of a kernel (last axis), exactly as the artifact stores it. */
export function int8RoundTrip(values: Float32Array, shape: number[]): Float32Array {
  const { q, scales } = quantizeSymmetricPerChannel(values, shape, shape.length - 1);
  return dequantizeSymmetricPerChannel(q, scales, shape, shape.length - 1);
}

/**
 * Weight fake quantization for quantization-aware training, straight-through: the forward and backward passes
 * see the int8 kernels; the gradient so computed is applied to the float "shadow" kernels, which keep the small
 * updates that rounding would otherwise erase. swapIn before computing gradients, swapOut before applying them.
 */
export class WeightFakeQuant {
  private shadows: tf.Tensor[] = [];
  constructor(private readonly kernels: tfl.LayerVariable[]) {}

  swapIn(): void {
    this.shadows = this.kernels.map((kernel) => {
      const float = tf.clone(kernel.read());
      const values = float.dataSync() as Float32Array;
      const shape = kernel.shape as number[];
      tf.tidy(() => {
        kernel.write(tf.tensor(int8RoundTrip(values, shape), shape));
      });
      return float;
    });
  }

  swapOut(): void {
    this.kernels.forEach((kernel, i) => kernel.write(this.shadows[i] as tf.Tensor));
    // The variables now hold the shadows' data (by reference count): releasing our handles frees nothing in use.
    for (const shadow of this.shadows) shadow.dispose();
    this.shadows = [];
  }
}
