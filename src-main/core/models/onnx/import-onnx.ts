import { tf, tfl } from '../../engine/tf.js';
import { createRng } from '../../engine/seed.js';
import { AttestError, badInput } from '../../errors.js';
import { readTensorProto, sizeOf, transposeData } from './onnx-tensors.js';
import { GraphContext } from './graph-context.js';
import { convertNodes } from './convert-graph.js';
import { readOnnx, type OnnxFile } from './read-onnx.js';
import { createOrtSession, runOrt } from './ort-runtime.js';
import './onnx-layers.js';

export { MAX_OPSET, MIN_OPSET } from './read-onnx.js';
export { OnnxConversionError } from './graph-context.js';

export interface OnnxImport {
  /** Equivalent TF.js layers model whose input is channels-last (Attest's layout, e.g. [n,187,1] or [n,h,w,c]). */
  model: tfl.LayersModel;
  inputName: string;
  outputName: string;
  /** The file's input shape without batch, e.g. [1,187]. */
  fileInputShape: number[];
  layout: 'channels-first' | 'channels-last';
  opset: number;
  producerName: string;
  producerVersion: string;
  /** False when the graph ends in logits (no Softmax). */
  outputsProbabilities: boolean;
  /** Largest |TF.js - ONNX Runtime| on a probe batch, checked at import. */
  maxAbsDifference: number;
  /** The ONNX Runtime execution provider of the check (cpu, cuda, dml). */
  provider: string;
}

const PROBE_SAMPLES = 8;
const PROBE_SEED = 20_190_611;
/** Float32 conversions differ from ONNX Runtime by accumulated rounding only; above this they compute something else. */
const TOLERANCE = 1e-3;

/**
 * Reads an ONNX file, converts its graph to an equivalent TF.js layers model (so gradients, attributions and
 * compression work on it) and checks the conversion against ONNX Runtime on a seeded probe batch. The TF.js
 * backend must be initialized (initEngine) by the caller.
 */
export async function importOnnx(
  bytes: Uint8Array,
  fileName: string,
  options: { layout?: 'channels-first' | 'channels-last' } = {},
): Promise<OnnxImport> {
  const file = readOnnx(bytes, fileName, options);
  const graph = file.proto.graph ?? {};
  const ctx = new GraphContext(fileName, file.opset);
  for (const tensor of graph.initializer ?? []) {
    const read = readTensorProto(tensor);
    if (typeof read === 'string') throw badInput(read, fileName);
    ctx.values.set(tensor.name ?? '', { kind: 'const', c: read });
  }
  const tfInput = tfl.input({ shape: file.inputShape, name: 'onnx_input' });
  ctx.values.set(file.inputName, {
    kind: 'sym',
    t: tfInput,
    shape: [-1, ...file.fileInputShape],
    perm: file.perm,
  });
  let model: tfl.LayersModel;
  try {
    convertNodes(ctx, graph.node ?? []);
    const result = ctx.values.get(file.outputName);
    if (result?.kind !== 'sym')
      throw badInput(`its output "${file.outputName}" is not computed from its input`, fileName);
    const final = ctx.inFileOrder({ opType: 'Output', name: 'output' }, result);
    model = tfl.model({ inputs: tfInput, outputs: final.t, name: 'onnx_import' });
  } catch (error) {
    // No model owns the layers made so far: free their weights.
    ctx.disposeLayers();
    throw error;
  }

  try {
    const { maxAbsDifference, provider } = await checkAgainstOrt(bytes, model, file, fileName);
    return {
      model,
      inputName: file.inputName,
      outputName: file.outputName,
      fileInputShape: file.fileInputShape,
      layout: file.layout,
      opset: file.opset,
      producerName: file.producerName,
      producerVersion: file.producerVersion,
      outputsProbabilities: file.outputsProbabilities,
      maxAbsDifference,
      provider,
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Runs a seeded uniform [0, 1) probe batch through ONNX Runtime (file layout) and the conversion (Attest's). */
async function checkAgainstOrt(
  bytes: Uint8Array,
  model: tfl.LayersModel,
  onnx: OnnxFile,
  file: string,
): Promise<{ maxAbsDifference: number; provider: string }> {
  const { fileInputShape, perm, fixedBatch } = onnx;
  // A file exported with a fixed batch (often 1) runs in chunks of that batch.
  const chunk = fixedBatch !== undefined && fixedBatch > 0 ? fixedBatch : PROBE_SAMPLES;
  const samples = chunk * Math.max(1, Math.floor(PROBE_SAMPLES / chunk));
  const rng = createRng(PROBE_SEED);
  const sampleSize = sizeOf(fileInputShape);
  const probe = Float64Array.from({ length: samples * sampleSize }, () => rng());
  const fileDims = [samples, ...fileInputShape];
  const tfDims = perm.map((axis) => fileDims[axis] ?? 1);
  const tfInput = tf.tensor(Float32Array.from(transposeData(probe, fileDims, perm)), tfDims, 'float32');
  const tfOutput = model.predict(tfInput) as tf.Tensor;
  const converted = (await tfOutput.data()) as Float32Array;
  tfInput.dispose();
  tfOutput.dispose();

  let ort;
  try {
    ort = await createOrtSession(bytes);
  } catch (error) {
    throw badInput(
      `ONNX Runtime cannot load it (${error instanceof Error ? error.message : String(error)})`,
      file,
    );
  }
  try {
    const parts: Float32Array[] = [];
    for (let start = 0; start + chunk <= samples; start += chunk) {
      const slice = Float32Array.from(probe.subarray(start * sampleSize, (start + chunk) * sampleSize));
      let out;
      try {
        out = await runOrt(ort.session, slice, [chunk, ...fileInputShape]);
      } catch (error) {
        // E.g. a graph traced with a batch of 1 baked into a Reshape although its batch axis is declared dynamic.
        throw badInput(
          `ONNX Runtime cannot run it on a batch of ${chunk} (${error instanceof Error ? error.message : String(error)})`,
          file,
        );
      }
      if (out.dims[0] !== chunk)
        throw badInput(
          `ONNX Runtime returns [${out.dims.join(', ')}] for a batch of ${chunk}: the graph fixes its batch size ` +
            'although its input declares it dynamic (export with dynamic_axes, or with a fixed batch in the input)',
          file,
        );
      parts.push(out.data);
    }
    const reference = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    if (reference.length !== converted.length)
      throw new AttestError(
        'VERIFY_FAILED',
        `the TF.js conversion gives ${converted.length} output values, ONNX Runtime ${reference.length}`,
        { file },
      );
    let maxAbsDifference = 0;
    let scale = 1;
    reference.forEach((r, i) => {
      maxAbsDifference = Math.max(maxAbsDifference, Math.abs(r - (converted[i] ?? Number.NaN)) || 0);
      if (Number.isNaN(converted[i])) maxAbsDifference = Number.POSITIVE_INFINITY;
      scale = Math.max(scale, Math.abs(r));
    });
    if (!(maxAbsDifference <= TOLERANCE * scale))
      throw new AttestError(
        'VERIFY_FAILED',
        `the TF.js conversion differs from ONNX Runtime by up to ${maxAbsDifference.toExponential(2)} on a probe batch ` +
          `(tolerance ${(TOLERANCE * scale).toExponential(1)}); the model was not imported`,
        { file },
      );
    return { maxAbsDifference, provider: ort.provider };
  } finally {
    await ort.session.release();
  }
}
