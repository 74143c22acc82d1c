import { dequantizeSymmetricPerChannel, quantizeSymmetricPerChannel } from './weights/quantize-int8.js';
import { decodeFloat16, encodeFloat16 } from './weights/float16.js';
import { decodeBitmap, encodeBitmap } from './weights/sparse-bitmap.js';
import { tf, tfl } from '../engine/tf.js';
import './custom-layers.js';
import { AttestError } from '../errors.js';
import { canonicalJson } from '../util/canonical-json.js';
import {
  elementCount,
  elementWidth,
  weightByteLength,
  MODEL_ARTIFACT_MAGIC,
  parseModelArtifact,
  PREFIX_BYTES,
  type ModelArtifactHeader,
  type WeightSpec,
} from './artifact-header.js';

export {
  readModelArtifactHeader,
  type ModelArtifactHeader,
  type WeightQuantization,
  type WeightSpec,
} from './artifact-header.js';

/*
 * One self-describing file per model (layout in artifact-header.ts). Any tfjs-layers model round-trips: the
 * topology comes from the layers save path (an IOHandler from tf.io.withSaveHandler) and is rebuilt by
 * tfjs-layers' own loader. Weights are float32, or int8 for kernels (dequantized to float32 at load). Models
 * come back uncompiled; header.trainingConfig records how the model was compiled when it was saved.
 * The bytes are deterministic: the header is canonical JSON and nothing time- or machine-dependent is
 * written, so the same model always gets the same SHA-256.
 */

export interface EncodeModelArtifactOptions {
  /** 'int8' stores every float32 weight of rank >= 2 (Conv and Dense kernels) as int8; biases stay float32.
   * 'float16' stores every weight in IEEE half precision. */
  weights?: 'float32' | 'int8' | 'float16';
  /** Layers whose kernels stay float32 under 'int8' (the ones a sensitivity scan says int8 hurts). */
  floatLayers?: string[];
  /** Free JSON metadata (lineage, recipe, ...), stored in the header. */
  meta?: Record<string, unknown>;
}

export async function encodeModelArtifact(
  model: tfl.LayersModel,
  options: EncodeModelArtifactOptions = {},
): Promise<Uint8Array> {
  const saved = await saveToMemory(model);
  const weightData = joinWeightData(saved.weightData);
  const quantize = options.weights === 'int8';
  const floatLayers = new Set(options.floatLayers ?? []);
  const layerOf = (name: string): string => name.slice(0, Math.max(0, name.lastIndexOf('/')));
  const weightSpecs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const entry of saved.weightSpecs ?? []) {
    if (entry.dtype !== 'float32')
      throw new AttestError(
        'INTERNAL',
        `weight ${entry.name} has dtype ${entry.dtype}; only float32 models are stored`,
      );
    const size = elementCount(entry.shape);
    const values = new Float32Array(weightData, offset, size);
    offset += size * 4;
    if (options.weights === 'float16') {
      const half = encodeFloat16(values);
      weightSpecs.push({ name: entry.name, shape: entry.shape, dtype: 'float16' });
      chunks.push(new Uint8Array(half.buffer, half.byteOffset, half.byteLength));
    } else if (quantize && entry.shape.length >= 2 && !floatLayers.has(layerOf(entry.name))) {
      const axis = entry.shape.length - 1;
      const { q, scales } = quantizeSymmetricPerChannel(values, entry.shape, axis);
      weightSpecs.push({
        name: entry.name,
        shape: entry.shape,
        dtype: 'int8',
        quantization: { scheme: 'symmetric-per-channel', axis, scales: Array.from(scales) },
      });
      chunks.push(new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
    } else {
      weightSpecs.push({ name: entry.name, shape: entry.shape, dtype: 'float32' });
      chunks.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
  }
  // Pruned kernels are stored sparse (a bitmap, then the nonzero elements) when that is clearly smaller.
  weightSpecs.forEach((spec, index) => {
    if (spec.shape.length < 2) return;
    const sparse = encodeBitmap(chunks[index] as Uint8Array, elementWidth(spec));
    if (sparse === undefined) return;
    spec.sparse = { format: 'bitmap', nonzero: sparse.nonzero };
    chunks[index] = sparse.bytes;
  });
  const trainingConfig = serializableTrainingConfig(model);
  const header: ModelArtifactHeader = {
    version: 1,
    modelTopology: saved.modelTopology,
    weightSpecs,
    ...(trainingConfig !== undefined ? { trainingConfig } : {}),
    meta: options.meta ?? {},
  };
  const headerBytes = new TextEncoder().encode(canonicalJson(header));
  const dataBytes = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const out = new Uint8Array(PREFIX_BYTES + headerBytes.byteLength + dataBytes);
  out.set(new TextEncoder().encode(MODEL_ARTIFACT_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, PREFIX_BYTES);
  let position = PREFIX_BYTES + headerBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}

export async function decodeModelArtifact(
  bytes: Uint8Array,
  sourceName = 'model artifact',
): Promise<{ model: tfl.LayersModel; header: ModelArtifactHeader }> {
  const { header, dataStart } = parseModelArtifact(bytes, sourceName);
  // The training config stays in the header and is not handed to tfjs-layers: compiling at load would create
  // an optimizer that the model does not own, so that model.dispose() (or a later compile) would leak it.
  // Weights are loaded in a second step, rather than through the IOHandler, so that a topology that does not
  // match its weights can be disposed of instead of leaking its variables.
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: header.modelTopology as object }));
  } catch (error) {
    // A topology that fails half-way (e.g. an unknown layer class) may leave the layers built before the failure
    // allocated: tfjs-layers gives no handle on them.
    throw cannotLoad(error, sourceName);
  }
  try {
    tf.tidy(() => model.loadWeights(weightTensors(bytes, dataStart, header.weightSpecs), true));
  } catch (error) {
    model.dispose();
    throw cannotLoad(error, sourceName);
  }
  return { model, header };
}

/** float32 tensors named as in the header, int8 weights dequantized. Call inside tf.tidy. */
function weightTensors(bytes: Uint8Array, dataStart: number, specs: WeightSpec[]): Record<string, tf.Tensor> {
  const tensors: Record<string, tf.Tensor> = {};
  let position = dataStart;
  for (const spec of specs) {
    const size = elementCount(spec.shape);
    const stored = bytes.subarray(position, position + weightByteLength(spec));
    position += stored.byteLength;
    const raw =
      spec.sparse === undefined
        ? stored
        : decodeBitmap(stored, size, elementWidth(spec), spec.sparse.nonzero, spec.name);
    let values: Float32Array;
    if (spec.dtype === 'int8' && spec.quantization !== undefined) {
      const q = new Int8Array(raw.buffer, raw.byteOffset, size);
      const scales = Float32Array.from(spec.quantization.scales);
      values = dequantizeSymmetricPerChannel(q, scales, spec.shape, spec.quantization.axis);
    } else if (spec.dtype === 'float16') {
      const half = new Uint16Array(size);
      new Uint8Array(half.buffer).set(raw.subarray(0, size * 2));
      values = decodeFloat16(half);
    } else {
      // Copied into a fresh, aligned buffer: the source may be a Node Buffer at an arbitrary offset.
      values = new Float32Array(size);
      new Uint8Array(values.buffer).set(raw.subarray(0, size * 4));
    }
    tensors[spec.name] = tf.tensor(values, spec.shape, 'float32');
  }
  return tensors;
}

function cannotLoad(error: unknown, sourceName: string): AttestError {
  // The container was well formed, so the topology or its weights are what is wrong.
  const reason = error instanceof Error ? error.message : String(error);
  return new AttestError('BAD_INPUT', `the model does not load: ${reason}`, {
    file: sourceName,
    cause: error,
  });
}

async function saveToMemory(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (captured === undefined)
    throw new AttestError('INTERNAL', 'tfjs-layers did not hand over the model artifacts');
  return captured;
}

function joinWeightData(weightData: tf.io.WeightData | undefined): ArrayBuffer {
  if (weightData === undefined) return new ArrayBuffer(0);
  return tf.io.CompositeArrayBuffer.join(weightData);
}

/**
 * The loss / metrics / optimizer config, when the model is compiled with names that model.compile accepts
 * again. Custom loss or metric functions cannot be stored by name: no config is written then.
 */
function serializableTrainingConfig(model: tfl.LayersModel): unknown {
  if (model.optimizer == null) return undefined;
  const isNames = (value: unknown): boolean =>
    typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
  if (
    !isNames(model.loss) ||
    (model.metrics !== undefined && model.metrics !== null && !isNames(model.metrics))
  )
    return undefined;
  // getTrainingConfig is protected in the typings but is exactly what LayersModel.save writes.
  return (model as unknown as { getTrainingConfig(): unknown }).getTrainingConfig();
}
