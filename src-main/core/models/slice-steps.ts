import { tf, tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';

/**
 * Keeps `size` steps from step `begin` of a [batch, steps, channels] tensor. TF.js has no Cropping1D: this is
 * how a model reads two parts of one sample (an ECG beat's waveform and its R-R tail) while Attest still
 * passes one tensor per sample everywhere. Exported to ONNX as Slice.
 */
export class SliceSteps extends tfl.layers.Layer {
  static readonly className = 'SliceSteps';
  readonly begin: number;
  readonly size: number;

  constructor(config: { begin: number; size: number; name?: string }) {
    super(config.name !== undefined ? { name: config.name } : {});
    if (
      !Number.isInteger(config.begin) ||
      config.begin < 0 ||
      !Number.isInteger(config.size) ||
      config.size < 1
    )
      throw badInput(
        `SliceSteps needs a whole begin >= 0 and size >= 1, got ${config.begin} and ${config.size}`,
      );
    this.begin = config.begin;
    this.size = config.size;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0] ?? null, this.size, ...shape.slice(2)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.slice(x, [0, this.begin, 0], [-1, this.size, -1]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}

tf.serialization.registerClass(SliceSteps);
