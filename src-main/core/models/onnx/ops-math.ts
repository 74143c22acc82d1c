import { tfl } from '../../engine/tf.js';
import type { NodeProto } from './onnx-proto.js';
import { sizeOf, transposeData, type ConstTensor } from './onnx-tensors.js';
import { OnnxBinary, OnnxClip, OnnxConstantOp, type BinaryOp } from './onnx-layers.js';
import {
  axisOf,
  floatAttr,
  identityPerm,
  intAttr,
  samePerm,
  type GraphContext,
  type SymValue,
} from './graph-context.js';

/** Arithmetic, dense products and activations. */

/** numpy broadcasting of two shapes (batch -1 kept). */
export function broadcastShape(a: number[], b: number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const x = a[a.length - rank + k] ?? 1;
    const y = b[b.length - rank + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Elementwise arithmetic on two constants (shape computations, folded weights). */
export function foldBinary(
  a: ConstTensor,
  b: ConstTensor,
  fn: (x: number, y: number) => number,
): ConstTensor | undefined {
  const dims = broadcastShape(a.dims, b.dims);
  if (dims === undefined) return undefined;
  const strides = (t: ConstTensor): number[] => {
    const pad = dims.length - t.dims.length;
    const s = new Array<number>(dims.length).fill(0);
    let stride = 1;
    for (let k = dims.length - 1; k >= pad; k--) {
      const d = t.dims[k - pad] ?? 1;
      s[k] = d === 1 ? 0 : stride;
      stride *= d;
    }
    return s;
  };
  const [sa, sb] = [strides(a), strides(b)];
  const data = new Float64Array(sizeOf(dims));
  const index = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let ia = 0;
    let ib = 0;
    index.forEach((v, k) => {
      ia += v * (sa[k] ?? 0);
      ib += v * (sb[k] ?? 0);
    });
    data[o] = fn(a.data[ia] ?? 0, b.data[ib] ?? 0);
    for (let k = dims.length - 1; k >= 0; k--) {
      index[k] = (index[k] ?? 0) + 1;
      if ((index[k] ?? 0) < (dims[k] ?? 1)) break;
      index[k] = 0;
    }
  }
  return { dims, data };
}

const FOLD: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  mul: (x, y) => x * y,
  sub: (x, y) => x - y,
  div: (x, y) => x / y,
};

export function convertBinary(ctx: GraphContext, node: NodeProto, op: BinaryOp): void {
  const a = ctx.input(node, 0);
  const b = ctx.input(node, 1);
  if (a.kind === 'const' && b.kind === 'const') {
    const folded = foldBinary(a.c, b.c, FOLD[op]);
    if (folded === undefined)
      ctx.fail(
        node,
        `has shapes [${a.c.dims.join(', ')}] and [${b.c.dims.join(', ')}] that do not broadcast`,
      );
    ctx.setOutput(node, { kind: 'const', c: folded });
    return;
  }
  if (a.kind === 'sym' && b.kind === 'sym') {
    const shape = broadcastShape(a.shape, b.shape);
    if (shape === undefined)
      ctx.fail(node, `has shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] that do not broadcast`);
    // Same layout and rank: the TF.js tensors broadcast as the file's do. Otherwise both go back to the file's order.
    const aligned = a.shape.length === b.shape.length && samePerm(a.perm, b.perm);
    const x = aligned ? a : ctx.inFileOrder(node, a);
    const y = aligned ? b : ctx.inFileOrder(node, b);
    const name = ctx.layerName(node);
    const sameShape = samePerm(a.shape, b.shape);
    const layer =
      sameShape && op === 'add'
        ? tfl.layers.add({ name })
        : sameShape && op === 'mul'
          ? tfl.layers.multiply({ name })
          : new OnnxBinary({ op, name });
    ctx.setOutput(node, {
      kind: 'sym',
      t: ctx.apply(layer, [x, y]),
      shape,
      perm: aligned ? a.perm : identityPerm(shape.length),
    });
    return;
  }
  const reversed = a.kind === 'const';
  const x = (reversed ? b : a) as SymValue;
  const c = (reversed ? a : b).kind === 'const' ? ((reversed ? a : b) as { c: ConstTensor }).c : undefined;
  if (c === undefined) ctx.fail(node, 'has inputs Attest cannot read');
  const rank = x.shape.length;
  if (c.dims.length > rank)
    ctx.fail(node, `has a constant of rank ${c.dims.length} for a tensor of rank ${rank}`);
  // Right-aligned as numpy broadcasts, then laid out like the tensor; the batch axis must be 1.
  const dims = [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims];
  if ((dims[0] ?? 1) !== 1) ctx.fail(node, 'has a constant with a batch dimension');
  const shape = broadcastShape(x.shape, dims);
  if (shape === undefined)
    ctx.fail(
      node,
      `has a constant of shape [${c.dims.join(', ')}] that does not broadcast to [${x.shape.join(', ')}]`,
    );
  const data = transposeData(c.data, dims, x.perm);
  const constantShape = x.perm.slice(1).map((p) => dims[p] ?? 1);
  const layerOp = reversed && op === 'sub' ? 'rsub' : reversed && op === 'div' ? 'rdiv' : op;
  const layer = new OnnxConstantOp({ op: layerOp, constantShape, name: ctx.layerName(node) });
  const t = ctx.apply(layer, x);
  ctx.setWeights(layer, [{ data, shape: constantShape }]);
  ctx.setOutput(node, { kind: 'sym', t, shape, perm: x.perm });
}

function dense(
  ctx: GraphContext,
  node: NodeProto,
  x: SymValue,
  kernel: Float64Array,
  inputs: number,
  units: number,
  bias: Float64Array | undefined,
): void {
  const layer = tfl.layers.dense({ units, useBias: bias !== undefined, name: ctx.layerName(node) });
  const t = ctx.apply(layer, x);
  const weights = [{ data: kernel, shape: [inputs, units] }];
  if (bias !== undefined) weights.push({ data: bias, shape: [units] });
  ctx.setWeights(layer, weights);
  ctx.setOutput(node, {
    kind: 'sym',
    t,
    shape: [...x.shape.slice(0, -1), units],
    perm: identityPerm(x.shape.length),
  });
}

export function convertGemm(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.sym(node, 0);
  if (x.shape.length !== 2)
    ctx.fail(node, `reads a tensor of rank ${x.shape.length}; Gemm multiplies matrices`);
  if (intAttr(node, 'transA', 0) !== 0) ctx.fail(node, 'transposes its batch input (transA=1)');
  const b = ctx.constant(node, 1);
  const c = ctx.optionalConstant(node, 2);
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  const transB = intAttr(node, 'transB', 0) === 1;
  const [rows = 0, cols = 0] = b.dims;
  const [inputs, units] = transB ? [cols, rows] : [rows, cols];
  if (b.dims.length !== 2 || inputs !== x.shape[1])
    ctx.fail(
      node,
      `has a weight [${b.dims.join(', ')}] that does not match its input [${x.shape.join(', ')}]`,
    );
  const kernel = (transB ? transposeData(b.data, b.dims, [1, 0]) : b.data).map((v) => alpha * v);
  let bias: Float64Array | undefined;
  if (c !== undefined) {
    const full = foldBinary(c, { dims: [units], data: new Float64Array(units) }, (v) => beta * v);
    if (full?.dims.length !== 1)
      ctx.fail(node, `has a bias [${c.dims.join(', ')}] that is not one value per output`);
    bias = full.data;
  }
  dense(ctx, node, x, kernel, inputs, units, bias);
}

export function convertMatMul(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.inFileOrder(node, ctx.sym(node, 0));
  const w = ctx.constant(node, 1);
  const [inputs = 0, units = 0] = w.dims;
  if (w.dims.length !== 2 || inputs !== x.shape[x.shape.length - 1])
    ctx.fail(
      node,
      `multiplies [${x.shape.join(', ')}] by a constant [${w.dims.join(', ')}]; Attest converts [..., K] x [K, M]`,
    );
  dense(ctx, node, x, w.data, inputs, units, undefined);
}

export function convertActivation(
  ctx: GraphContext,
  node: NodeProto,
  activation: 'relu' | 'sigmoid' | 'tanh' | 'relu6' | 'elu',
): void {
  const x = ctx.sym(node, 0);
  const layer = tfl.layers.activation({ activation, name: ctx.layerName(node) });
  ctx.setOutput(node, { ...x, t: ctx.apply(layer, x) });
}

export function convertLeakyRelu(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.sym(node, 0);
  const layer = tfl.layers.leakyReLU({ alpha: floatAttr(node, 'alpha', 0.01), name: ctx.layerName(node) });
  ctx.setOutput(node, { ...x, t: ctx.apply(layer, x) });
}

export function convertClip(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.sym(node, 0);
  const bound = (index: number): number | null => {
    const c = ctx.optionalConstant(node, index);
    if (c === undefined) return null;
    if (c.data.length !== 1) ctx.fail(node, 'has a bound that is not one value');
    return c.data[0] ?? null;
  };
  const [min, max] = [bound(1), bound(2)];
  if (min === 0 && max === 6) return convertActivation(ctx, node, 'relu6');
  if (min === 0 && max === null) return convertActivation(ctx, node, 'relu');
  const layer = new OnnxClip({ min, max, name: ctx.layerName(node) });
  ctx.setOutput(node, { ...x, t: ctx.apply(layer, x) });
}

export function convertSoftmax(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.sym(node, 0);
  const rank = x.shape.length;
  // Before opset 13 Softmax flattened everything from `axis` on (default 1); from 13 it is one axis (default -1).
  const axis = axisOf(ctx, node, intAttr(node, 'axis', ctx.opset < 13 ? 1 : -1), rank);
  if (ctx.opset < 13 && axis !== rank - 1)
    ctx.fail(node, `flattens axes ${axis} to ${rank - 1} (opset ${ctx.opset})`);
  if (axis === 0) ctx.fail(node, 'normalizes over the batch axis');
  const layer = tfl.layers.softmax({ axis: x.perm.indexOf(axis), name: ctx.layerName(node) });
  ctx.setOutput(node, { ...x, t: ctx.apply(layer, x) });
}
