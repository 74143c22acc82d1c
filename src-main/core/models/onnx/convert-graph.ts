import type { NodeProto } from './onnx-proto.js';
import type { GraphContext } from './graph-context.js';
import { convertBatchNorm, convertConv, convertGlobalPool, convertPool } from './ops-conv-pool.js';
import {
  convertActivation,
  convertBinary,
  convertClip,
  convertGemm,
  convertLeakyRelu,
  convertMatMul,
  convertSoftmax,
} from './ops-math.js';
import {
  convertCast,
  convertConcat,
  convertConstant,
  convertConstantOfShape,
  convertFlatten,
  convertGather,
  convertIdentity,
  convertPad,
  convertReshape,
  convertShape,
  convertSlice,
  convertSqueeze,
  convertTranspose,
  convertUnsqueeze,
} from './ops-shape.js';

type Converter = (ctx: GraphContext, node: NodeProto) => void;

/** Every ONNX operator Attest converts to TF.js layers (the domain "" / "ai.onnx"); any other is refused by name. */
export const CONVERTERS: Record<string, Converter> = {
  Conv: convertConv,
  BatchNormalization: convertBatchNorm,
  MaxPool: (ctx, node) => convertPool(ctx, node, 'max'),
  AveragePool: (ctx, node) => convertPool(ctx, node, 'average'),
  GlobalAveragePool: (ctx, node) => convertGlobalPool(ctx, node, 'average'),
  GlobalMaxPool: (ctx, node) => convertGlobalPool(ctx, node, 'max'),
  Gemm: convertGemm,
  MatMul: convertMatMul,
  Add: (ctx, node) => convertBinary(ctx, node, 'add'),
  Sub: (ctx, node) => convertBinary(ctx, node, 'sub'),
  Mul: (ctx, node) => convertBinary(ctx, node, 'mul'),
  Div: (ctx, node) => convertBinary(ctx, node, 'div'),
  Relu: (ctx, node) => convertActivation(ctx, node, 'relu'),
  Sigmoid: (ctx, node) => convertActivation(ctx, node, 'sigmoid'),
  Tanh: (ctx, node) => convertActivation(ctx, node, 'tanh'),
  Elu: (ctx, node) => convertActivation(ctx, node, 'elu'),
  LeakyRelu: convertLeakyRelu,
  Clip: convertClip,
  Softmax: convertSoftmax,
  Concat: convertConcat,
  Flatten: convertFlatten,
  Reshape: convertReshape,
  Transpose: convertTranspose,
  Squeeze: convertSqueeze,
  Unsqueeze: convertUnsqueeze,
  Pad: convertPad,
  Identity: convertIdentity,
  Dropout: convertIdentity,
  Constant: convertConstant,
  Shape: convertShape,
  Gather: convertGather,
  Cast: convertCast,
  ConstantOfShape: convertConstantOfShape,
  Slice: convertSlice,
};

/** Elu converts only with alpha 1 (TF.js's activation has no alpha). */
function checkSpecialCases(ctx: GraphContext, node: NodeProto): void {
  if (node.opType === 'Elu') {
    const alpha = node.attribute?.find((a) => a.name === 'alpha')?.f ?? 1;
    if (Math.abs(alpha - 1) > 1e-7) ctx.fail(node, `has alpha ${alpha}; Attest converts Elu with alpha 1`);
  }
}

/** Converts the nodes in file order (ONNX requires a topological order). */
export function convertNodes(ctx: GraphContext, nodes: NodeProto[]): void {
  for (const node of nodes) {
    const op = node.opType ?? '';
    const domain = node.domain ?? '';
    const convert = domain === '' || domain === 'ai.onnx' ? CONVERTERS[op] : undefined;
    if (convert === undefined)
      ctx.fail(
        node,
        `${domain !== '' && domain !== 'ai.onnx' ? `of domain "${domain}" ` : ''}cannot be converted to TF.js; ` +
          `Attest converts ${Object.keys(CONVERTERS).join(', ')}`,
      );
    checkSpecialCases(ctx, node);
    convert(ctx, node);
  }
}

/** Whether the graph ends in Softmax (through operators that do not change values). */
export function endsInSoftmax(nodes: NodeProto[], output: string): boolean {
  const producer = new Map<string, NodeProto>();
  for (const node of nodes) for (const out of node.output ?? []) producer.set(out, node);
  const passThrough = new Set(['Identity', 'Dropout', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Cast']);
  let node = producer.get(output);
  while (node !== undefined && passThrough.has(node.opType ?? '')) node = producer.get(node.input?.[0] ?? '');
  return node?.opType === 'Softmax';
}
