import { decodeBitmap } from '../weights/sparse-bitmap.js';
import { elementCount, elementWidth, parseModelArtifact, weightByteLength } from '../artifact-header.js';

/** One kernel as an int8 child stores it: symmetric per channel along `axis` of the TF.js shape, zero point 0. */
export interface Int8Weight {
  q: Int8Array;
  scales: Float32Array;
  axis: number;
  shape: number[];
}

/**
 * The int8 kernels of a stored model, by weight name (as TF.js names them: "conv_in/kernel"), read from the
 * artifact itself so that the ONNX export can write the very integers and scales Attest computes with.
 */
export function readInt8Weights(artifact: Uint8Array): Map<string, Int8Weight> {
  const { header, dataStart } = parseModelArtifact(artifact, 'model artifact');
  const weights = new Map<string, Int8Weight>();
  let position = dataStart;
  for (const spec of header.weightSpecs) {
    const stored = artifact.subarray(position, position + weightByteLength(spec));
    position += weightByteLength(spec);
    if (spec.dtype !== 'int8' || spec.quantization === undefined) continue;
    const n = elementCount(spec.shape);
    const raw =
      spec.sparse === undefined
        ? stored
        : decodeBitmap(stored, n, elementWidth(spec), spec.sparse.nonzero, spec.name);
    weights.set(spec.name, {
      q: Int8Array.from(raw.subarray(0, n), (b) => (b << 24) >> 24),
      scales: Float32Array.from(spec.quantization.scales),
      axis: spec.quantization.axis,
      shape: spec.shape,
    });
  }
  return weights;
}
