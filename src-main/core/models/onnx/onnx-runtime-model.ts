import { badInput } from '../../errors.js';
import { transposeData } from './onnx-tensors.js';
import { readOnnx, type OnnxFile, type OnnxLayout } from './read-onnx.js';
import { createOrtSession, runOrt } from './ort-runtime.js';

/**
 * An ONNX file run by ONNX Runtime alone, for graphs that cannot be converted to TF.js (importOnnx throws
 * OnnxConversionError): the forward-only suites (clean, calibration, noise, corruptions, Square, transfer from a
 * surrogate) need only predictions. Inputs and outputs are in Attest's layout, as for a converted model.
 */
export interface OnnxRuntimeModel extends Omit<OnnxFile, 'proto'> {
  provider: string;
  /** Outputs [n, ...] for n samples in Attest's layout ([n, 187, 1], [n, h, w, c]), flat. */
  predict(data: Float32Array, n: number, batchSize?: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export async function openOnnxRuntimeModel(
  bytes: Uint8Array,
  fileName: string,
  options: { layout?: OnnxLayout } = {},
): Promise<OnnxRuntimeModel> {
  const { proto: _proto, ...file } = readOnnx(bytes, fileName, options);
  let ort;
  try {
    ort = await createOrtSession(bytes);
  } catch (error) {
    throw badInput(
      `ONNX Runtime cannot load it (${error instanceof Error ? error.message : String(error)})`,
      fileName,
    );
  }
  const { session, provider } = ort;
  const sampleSize = file.fileInputShape.reduce((a, d) => a * d, 1);
  // Attest's layout back to the file's: the inverse of perm.
  const inverse = file.perm.map((_, axis) => file.perm.indexOf(axis));
  return {
    ...file,
    provider,
    async predict(data, n, batchSize = 256) {
      if (data.length !== n * sampleSize)
        throw badInput(`${data.length} values for ${n} samples of [${file.inputShape.join(', ')}]`, fileName);
      const chunk = file.fixedBatch ?? batchSize;
      const parts: Float32Array[] = [];
      for (let start = 0; start < n; start += chunk) {
        const size = file.fixedBatch ?? Math.min(chunk, n - start);
        const slice = new Float64Array(size * sampleSize);
        // A fixed-batch file gets its last chunk padded with zeros; the padding's outputs are dropped.
        slice.set(data.subarray(start * sampleSize, Math.min(n, start + size) * sampleSize));
        const attestDims = [size, ...file.inputShape];
        const fileOrder = Float32Array.from(transposeData(slice, attestDims, inverse));
        const out = await runOrt(session, fileOrder, [size, ...file.fileInputShape]);
        const perSample = out.data.length / size;
        parts.push(out.data.subarray(0, Math.min(size, n - start) * perSample));
      }
      const result = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (const p of parts) {
        result.set(p, at);
        at += p.length;
      }
      return result;
    },
    async close() {
      await session.release();
    },
  };
}
