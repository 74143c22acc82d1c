import { tf, tfl } from '../../engine/tf.js';
import { transposeData } from './onnx-tensors.js';
import { SyncOrtSession } from './ort-sync-session.js';

/**
 * A whole ONNX graph that could not be converted to TF.js, run by ONNX Runtime as one layer: the model stores
 * and reloads like any other (the file travels in the layer's config), and every forward pass (predictions,
 * clean accuracy, calibration, noise, corruptions, black-box attacks) works on it. It has no gradient: the
 * output is computed outside TF.js, so a gradient asked through it fails, and the suites that need one are
 * not run on such a model (core/validate/runtime-only-suites.ts).
 */
export interface OnnxRuntimeLayerConfig {
  /**
   * The ONNX file, lowercase hex: TF.js rewrites string values of layer configs to snake_case when it saves a
   * model (for activation names), which would corrupt base64; hex has no capital letter to rewrite.
   */
  onnx: string;
  /** The file's input shape without batch, e.g. [1, 187]. */
  fileInputShape: number[];
  /** Attest's axis i (channels last) is the file's axis perm[i]. */
  perm: number[];
  /** The batch the file fixes, or null when its batch is dynamic. */
  fixedBatch: number | null;
  /** Values per sample in the output (the class scores). */
  outputs: number;
  name?: string;
}

export class OnnxRuntimeLayer extends tfl.layers.Layer {
  static readonly className = 'OnnxRuntimeLayer';
  readonly settings: OnnxRuntimeLayerConfig;
  private session: SyncOrtSession | undefined;

  constructor(config: OnnxRuntimeLayerConfig) {
    super(config.name !== undefined ? { name: config.name } : {});
    this.settings = {
      onnx: config.onnx,
      fileInputShape: config.fileInputShape,
      perm: config.perm,
      fixedBatch: config.fixedBatch,
      outputs: config.outputs,
    };
    this.trainable = false;
  }

  override computeOutputShape(): (number | null)[] {
    return [null, this.settings.outputs];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const n = x.shape[0] ?? 0;
    const { fileInputShape, perm, fixedBatch, outputs } = this.settings;
    this.session ??= new SyncOrtSession(new Uint8Array(Buffer.from(this.settings.onnx, 'hex')));
    const sampleSize = fileInputShape.reduce((a, d) => a * d, 1);
    // Attest's layout back to the file's: the inverse of perm.
    const inverse = perm.map((_, axis) => perm.indexOf(axis));
    const values = x.dataSync() as Float32Array;
    const result = new Float32Array(n * outputs);
    const chunk = fixedBatch ?? Math.max(1, n);
    for (let start = 0; start < n; start += chunk) {
      const size = fixedBatch ?? Math.min(chunk, n - start);
      // A fixed-batch file gets its last chunk padded with zeros; the padding's outputs are dropped.
      const slice = new Float64Array(size * sampleSize);
      slice.set(values.subarray(start * sampleSize, Math.min(n, start + size) * sampleSize));
      const attestDims = [size, ...perm.slice(1).map((axis) => fileInputShape[axis - 1] ?? 1)];
      const fileOrder = Float32Array.from(transposeData(slice, attestDims, inverse));
      const out = this.session.run(fileOrder, [size, ...fileInputShape]);
      const kept = Math.min(size, n - start) * outputs;
      result.set(out.data.subarray(0, kept), start * outputs);
    }
    return tf.tensor2d(result, [n, outputs], 'float32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.settings } as unknown as tf.serialization.ConfigDict;
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    this.session?.close();
    this.session = undefined;
    return super.dispose();
  }
}
tf.serialization.registerClass(OnnxRuntimeLayer);

/** Whether a model runs (in part) outside TF.js, so that it has no gradients. */
export function hasRuntimeOnlyLayer(model: tfl.LayersModel): boolean {
  const visit = (layers: tfl.layers.Layer[]): boolean =>
    layers.some(
      (layer) =>
        layer instanceof OnnxRuntimeLayer || (layer instanceof tfl.LayersModel && visit(layer.layers)),
    );
  return visit(model.layers);
}
