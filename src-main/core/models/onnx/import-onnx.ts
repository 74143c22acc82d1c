import { tf, tfl } from '../../engine/tf.js';
import { createRng } from '../../engine/seed.js';
import { AttestError, badInput } from '../../errors.js';
import { DataType, decodeModelProto, type ModelProto, type ValueInfoProto } from './onnx-proto.js';
import { readTensorProto, sizeOf, transposeData } from './onnx-tensors.js';
import { channelsLastPerm, GraphContext, identityPerm } from './graph-context.js';
import { convertNodes, endsInSoftmax } from './convert-graph.js';
import { createOrtSession, runOrt } from './ort-runtime.js';
import './onnx-layers.js';

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

export const MIN_OPSET = 11;
export const MAX_OPSET = 17;
const PROBE_SAMPLES = 8;
const PROBE_SEED = 20_190_611;
/** Float32 conversions differ from ONNX Runtime by accumulated rounding only; above this they compute something else. */
const TOLERANCE = 1e-3;

function parse(bytes: Uint8Array, file: string): ModelProto {
  let model: ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch (error) {
    throw badInput(
      `is not an ONNX model or is truncated (${error instanceof Error ? error.message : String(error)})`,
      file,
    );
  }
  if (model.graph === undefined || (model.graph.node ?? []).length === 0 || (model.irVersion ?? 0) < 3)
    throw badInput('is not an ONNX model or is truncated (no graph of operators in it)', file);
  return model;
}

function opsetOf(model: ModelProto, file: string): number {
  const opset = (model.opsetImport ?? []).find(
    (o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx',
  )?.version;
  if (opset === undefined || opset < MIN_OPSET || opset > MAX_OPSET)
    throw badInput(
      `uses ONNX opset ${opset ?? 'none'}; Attest reads opsets ${MIN_OPSET} to ${MAX_OPSET} ` +
        `(torch.onnx.export(..., opset_version=13) writes one)`,
      file,
    );
  return opset;
}

function dimsOf(
  info: ValueInfoProto,
  role: string,
  file: string,
): { dims: number[]; fixedBatch: number | undefined } {
  const type = info.type?.tensorType;
  if (type === undefined) throw badInput(`its ${role} "${info.name ?? ''}" is not a tensor`, file);
  if (role === 'input' && type.elemType !== DataType.FLOAT)
    throw badInput(
      `its input "${info.name ?? ''}" has element type ${type.elemType ?? '?'}; Attest feeds float32`,
      file,
    );
  const dims = type.shape?.dim ?? [];
  if (dims.length < 2)
    throw badInput(
      `its ${role} "${info.name ?? ''}" has rank ${dims.length}; Attest expects a batch axis then the sample`,
      file,
    );
  const sample = dims.slice(1).map((d, i) => {
    if (d.dimValue === undefined || d.dimValue < 1)
      throw badInput(
        `dimension ${i + 1} of its ${role} "${info.name ?? ''}" is dynamic ("${d.dimParam ?? '?'}"); ` +
          'only the batch dimension may be (export with fixed sample sizes)',
        file,
      );
    return d.dimValue;
  });
  return { dims: sample, fixedBatch: dims[0]?.dimValue };
}

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
  const proto = parse(bytes, fileName);
  const opset = opsetOf(proto, fileName);
  const graph = proto.graph ?? {};
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  // Before IR 4, initializers were also listed as inputs: the model's input is what remains.
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  const outputs = graph.output ?? [];
  if (inputs.length !== 1)
    throw badInput(
      `has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); Attest validates models with one input`,
      fileName,
    );
  if (outputs.length !== 1)
    throw badInput(
      `has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}); Attest validates models with one output`,
      fileName,
    );
  const input = inputs[0] as ValueInfoProto;
  const output = outputs[0] as ValueInfoProto;
  const { dims: fileInputShape, fixedBatch } = dimsOf(input, 'input', fileName);
  const rank = fileInputShape.length + 1;
  // PyTorch lays samples out channels first ([C, L], [C, H, W]); a 1-D sample has no channel axis.
  const layout = rank < 3 ? 'channels-last' : (options.layout ?? 'channels-first');
  const perm = layout === 'channels-first' ? channelsLastPerm(rank) : identityPerm(rank);
  const tfInputShape = perm.slice(1).map((axis) => fileInputShape[axis - 1] ?? 1);

  const ctx = new GraphContext(fileName, opset);
  for (const tensor of graph.initializer ?? []) {
    const read = readTensorProto(tensor);
    if (typeof read === 'string') throw badInput(read, fileName);
    ctx.values.set(tensor.name ?? '', { kind: 'const', c: read });
  }
  const inputName = input.name ?? 'input';
  const outputName = output.name ?? 'output';
  const tfInput = tfl.input({ shape: tfInputShape, name: 'onnx_input' });
  ctx.values.set(inputName, { kind: 'sym', t: tfInput, shape: [-1, ...fileInputShape], perm });
  convertNodes(ctx, graph.node ?? []);
  const result = ctx.values.get(outputName);
  if (result?.kind !== 'sym')
    throw badInput(`its output "${outputName}" is not computed from its input`, fileName);
  const final = ctx.inFileOrder({ opType: 'Output', name: 'output' }, result);
  const model = tfl.model({ inputs: tfInput, outputs: final.t, name: 'onnx_import' });

  try {
    const { maxAbsDifference, provider } = await checkAgainstOrt(
      bytes,
      model,
      fileInputShape,
      perm,
      fixedBatch,
      fileName,
    );
    return {
      model,
      inputName,
      outputName,
      fileInputShape,
      layout,
      opset,
      producerName: proto.producerName ?? '',
      producerVersion: proto.producerVersion ?? '',
      outputsProbabilities: endsInSoftmax(graph.node ?? [], outputName),
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
  fileInputShape: number[],
  perm: number[],
  fixedBatch: number | undefined,
  file: string,
): Promise<{ maxAbsDifference: number; provider: string }> {
  const rng = createRng(PROBE_SEED);
  const sampleSize = sizeOf(fileInputShape);
  const probe = Float64Array.from({ length: PROBE_SAMPLES * sampleSize }, () => rng());
  const fileDims = [PROBE_SAMPLES, ...fileInputShape];
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
    // A file exported with a fixed batch (often 1) runs in chunks of that batch.
    const chunk = fixedBatch !== undefined && fixedBatch > 0 ? fixedBatch : PROBE_SAMPLES;
    const parts: Float32Array[] = [];
    for (let start = 0; start + chunk <= PROBE_SAMPLES; start += chunk) {
      const slice = Float32Array.from(probe.subarray(start * sampleSize, (start + chunk) * sampleSize));
      parts.push((await runOrt(ort.session, slice, [chunk, ...fileInputShape])).data);
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
