import { badInput } from '../../errors.js';
import { DataType, decodeModelProto, type ModelProto, type ValueInfoProto } from './onnx-proto.js';
import { channelsLastPerm, identityPerm } from './graph-context.js';
import { endsInSoftmax } from './convert-graph.js';

export const MIN_OPSET = 11;
export const MAX_OPSET = 17;

export type OnnxLayout = 'channels-first' | 'channels-last';

/** What an ONNX file is, before any conversion: read by the import and by the ONNX Runtime-only path alike. */
export interface OnnxFile {
  proto: ModelProto;
  opset: number;
  producerName: string;
  producerVersion: string;
  inputName: string;
  outputName: string;
  /** The file's input shape without batch, e.g. [1, 187]. */
  fileInputShape: number[];
  /** The batch size the file fixes (often 1 for a traced export), undefined when dynamic. */
  fixedBatch: number | undefined;
  layout: OnnxLayout;
  /** Attest's axis i (channels last) is the file's axis perm[i]. */
  perm: number[];
  /** Attest's input shape without batch, e.g. [187, 1]. */
  inputShape: number[];
  outputsProbabilities: boolean;
}

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
 * Reads an ONNX file and checks what Attest needs of it: a graph, opset 11 to 17, one float32 input and one output,
 * fixed sizes except the batch. Bad input names the file and the problem. `layout` says how the file lays out a
 * sample: PyTorch's channels first ([C, L], [C, H, W]) by default; a 1-D sample has no channel axis.
 */
export function readOnnx(
  bytes: Uint8Array,
  fileName: string,
  options: { layout?: OnnxLayout } = {},
): OnnxFile {
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
  const layout: OnnxLayout = rank < 3 ? 'channels-last' : (options.layout ?? 'channels-first');
  const perm = layout === 'channels-first' ? channelsLastPerm(rank) : identityPerm(rank);
  const outputName = output.name ?? 'output';
  return {
    proto,
    opset,
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    inputName: input.name ?? 'input',
    outputName,
    fileInputShape,
    fixedBatch,
    layout,
    perm,
    inputShape: perm.slice(1).map((axis) => fileInputShape[axis - 1] ?? 1),
    outputsProbabilities: endsInSoftmax(graph.node ?? [], outputName),
  };
}
