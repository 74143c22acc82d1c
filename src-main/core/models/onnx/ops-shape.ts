import { tfl } from '../../engine/tf.js';
import type { NodeProto } from './onnx-proto.js';
import { BATCH_DIM, sizeOf, transposeData, type ConstTensor } from './onnx-tensors.js';
import { OnnxPad } from './onnx-layers.js';
import {
  attribute,
  axisOf,
  intAttr,
  intsAttr,
  samePerm,
  stringAttr,
  tensorAttr,
  type GraphContext,
  type SymValue,
} from './graph-context.js';

/** Shape operators: on computed tensors they become TF.js layers, on constants they are folded. */

export function convertIdentity(ctx: GraphContext, node: NodeProto): void {
  ctx.setOutput(node, ctx.input(node, 0));
}

export function convertFlatten(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.sym(node, 0);
  const axis = axisOf(ctx, node, intAttr(node, 'axis', 1), x.shape.length);
  if (axis !== 1)
    ctx.fail(node, `flattens from axis ${axis}; Attest converts Flatten from axis 1 (keeping the batch)`);
  ctx.setOutput(node, ctx.reshape(node, x, [-1, sizeOf(x.shape.slice(1))], '_flatten'));
}

function axesOf(ctx: GraphContext, node: NodeProto): number[] | undefined {
  const fromAttr = intsAttr(node, 'axes');
  if (fromAttr !== undefined) return fromAttr;
  const fromInput = ctx.optionalConstant(node, 1);
  return fromInput === undefined ? undefined : Array.from(fromInput.data);
}

function withShape(ctx: GraphContext, node: NodeProto, dims: number[]): void {
  const x = ctx.input(node, 0);
  if (x.kind === 'const') ctx.setOutput(node, { kind: 'const', c: { dims, data: x.c.data } });
  else ctx.setOutput(node, ctx.reshape(node, x, dims));
}

function shapeOf(value: ReturnType<GraphContext['input']>): number[] {
  return value.kind === 'const' ? value.c.dims : value.shape;
}

export function convertReshape(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.input(node, 0);
  const from = shapeOf(x);
  const target = Array.from(ctx.constant(node, 1).data);
  if (x.kind === 'sym') {
    // The first entry is the batch: kept (0), inferred (-1), taken from Shape(x), or the file's fixed batch.
    const first = target[0];
    if (first !== 0 && first !== -1 && first !== BATCH_DIM && first !== 1)
      ctx.fail(node, `reshapes the batch axis to ${first}`);
    target[0] = -1;
  }
  const resolved = target.map((d, i) => (d === 0 ? (from[i] ?? 0) : d));
  if (resolved.slice(1).includes(BATCH_DIM)) ctx.fail(node, 'moves the batch size into another axis');
  const known = x.kind === 'sym' ? sizeOf(from.slice(1)) : sizeOf(from);
  const rest = x.kind === 'sym' ? resolved.slice(1) : resolved;
  const unknown = rest.filter((d) => d === -1).length;
  const product = sizeOf(rest.filter((d) => d !== -1));
  if (unknown > 1 || (unknown === 0 && product !== known) || (unknown === 1 && known % product !== 0))
    ctx.fail(node, `cannot reshape [${from.join(', ')}] to [${target.join(', ')}]`);
  const filled = rest.map((d) => (d === -1 ? known / product : d));
  withShape(ctx, node, x.kind === 'sym' ? [-1, ...filled] : filled);
}

export function convertTranspose(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.input(node, 0);
  const rank = shapeOf(x).length;
  const perm = intsAttr(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (x.kind === 'const') {
    const c = x.c;
    ctx.setOutput(node, {
      kind: 'const',
      c: { dims: perm.map((p) => c.dims[p] ?? 1), data: transposeData(c.data, c.dims, perm) },
    });
    return;
  }
  if (perm[0] !== 0) ctx.fail(node, 'moves the batch axis');
  // No layer: the TF.js tensor stays as it is and only the map from its axes to the file's changes.
  const shape = perm.map((p) => x.shape[p] ?? 1);
  const tfPerm = x.perm.map((axis) => perm.indexOf(axis));
  ctx.setOutput(node, { kind: 'sym', t: x.t, shape, perm: tfPerm });
}

export function convertSqueeze(ctx: GraphContext, node: NodeProto): void {
  const from = shapeOf(ctx.input(node, 0));
  const given = axesOf(ctx, node);
  const axes = (given ?? from.map((d, i) => (d === 1 ? i : -1)).filter((i) => i > 0)).map((a) =>
    axisOf(ctx, node, a, from.length),
  );
  if (ctx.input(node, 0).kind === 'sym' && axes.includes(0)) ctx.fail(node, 'removes the batch axis');
  if (axes.some((a) => from[a] !== 1))
    ctx.fail(node, `removes an axis of [${from.join(', ')}] that is not 1`);
  withShape(
    ctx,
    node,
    from.filter((_, i) => !axes.includes(i)),
  );
}

export function convertUnsqueeze(ctx: GraphContext, node: NodeProto): void {
  const from = shapeOf(ctx.input(node, 0));
  const given = axesOf(ctx, node);
  if (given === undefined) ctx.fail(node, 'has no axes');
  const rank = from.length + given.length;
  const axes = given.map((a) => axisOf(ctx, node, a, rank));
  if (ctx.input(node, 0).kind === 'sym' && axes.includes(0))
    ctx.fail(node, 'inserts an axis before the batch');
  const dims: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) dims.push(axes.includes(i) ? 1 : (from[k++] ?? 1));
  withShape(ctx, node, dims);
}

export function convertConcat(ctx: GraphContext, node: NodeProto): void {
  const inputs = (node.input ?? []).map((_, i) => ctx.input(node, i));
  const rank = shapeOf(inputs[0] ?? ctx.input(node, 0)).length;
  const axis = axisOf(ctx, node, intAttr(node, 'axis', 0), rank);
  if (inputs.every((v) => v.kind === 'const')) {
    const consts = inputs.map((v) => (v as { c: ConstTensor }).c);
    if (rank !== 1) ctx.fail(node, 'concatenates constants of rank above 1');
    const data = Float64Array.from(consts.flatMap((c) => Array.from(c.data)));
    ctx.setOutput(node, { kind: 'const', c: { dims: [data.length], data } });
    return;
  }
  if (inputs.some((v) => v.kind === 'const'))
    ctx.fail(node, 'concatenates a constant with a computed tensor');
  if (axis === 0) ctx.fail(node, 'concatenates along the batch axis');
  const syms = inputs as SymValue[];
  const first = syms[0] as SymValue;
  const aligned = syms.every((v) => samePerm(v.perm, first.perm))
    ? syms
    : syms.map((v) => ctx.inFileOrder(node, v));
  const perm = (aligned[0] as SymValue).perm;
  const layer = tfl.layers.concatenate({ axis: perm.indexOf(axis), name: ctx.layerName(node) });
  const shape = first.shape.map((d, i) => (i === axis ? syms.reduce((s, v) => s + (v.shape[i] ?? 0), 0) : d));
  ctx.setOutput(node, { kind: 'sym', t: ctx.apply(layer, aligned), shape, perm });
}

export function convertPad(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.sym(node, 0);
  const rank = x.shape.length;
  const pads = Array.from(ctx.constant(node, 1).data);
  const value = ctx.optionalConstant(node, 2)?.data[0] ?? 0;
  const mode = stringAttr(node, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect')
    ctx.fail(node, `has mode "${mode}"; Attest converts constant and reflect`);
  if (pads.length !== 2 * rank || pads.some((p) => p < 0))
    ctx.fail(node, `has pads [${pads.join(', ')}] for rank ${rank}`);
  if ((pads[0] ?? 0) !== 0 || (pads[rank] ?? 0) !== 0) ctx.fail(node, 'pads the batch axis');
  const paddings = x.perm.slice(1).map((axis): [number, number] => [pads[axis] ?? 0, pads[axis + rank] ?? 0]);
  const layer = new OnnxPad({ paddings, mode, fill: value, name: ctx.layerName(node) });
  const shape = x.shape.map((d, i) => (i === 0 ? d : d + (pads[i] ?? 0) + (pads[i + rank] ?? 0)));
  ctx.setOutput(node, { kind: 'sym', t: ctx.apply(layer, x), shape, perm: x.perm });
}

export function convertConstant(ctx: GraphContext, node: NodeProto): void {
  const tensor = tensorAttr(ctx, node, 'value');
  if (tensor !== undefined) return ctx.setOutput(node, { kind: 'const', c: tensor });
  const f = attribute(node, 'value_float')?.f;
  const i = attribute(node, 'value_int')?.i;
  const fs = attribute(node, 'value_floats')?.floats;
  const is = attribute(node, 'value_ints')?.ints;
  if (f !== undefined || i !== undefined)
    return ctx.setOutput(node, { kind: 'const', c: { dims: [], data: Float64Array.of(f ?? i ?? 0) } });
  const list = fs ?? is;
  if (list !== undefined)
    return ctx.setOutput(node, { kind: 'const', c: { dims: [list.length], data: Float64Array.from(list) } });
  ctx.fail(node, 'has a value Attest does not read');
}

export function convertShape(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.input(node, 0);
  const dims = x.kind === 'const' ? x.c.dims : x.shape.map((d, i) => (i === 0 ? BATCH_DIM : d));
  const start = intAttr(node, 'start', 0);
  const end = attribute(node, 'end')?.i ?? dims.length;
  const data = Float64Array.from(dims.slice(start, end));
  ctx.setOutput(node, { kind: 'const', c: { dims: [data.length], data } });
}

export function convertGather(ctx: GraphContext, node: NodeProto): void {
  const data = ctx.input(node, 0);
  const indices = ctx.constant(node, 1);
  if (data.kind !== 'const' || data.c.dims.length !== 1 || intAttr(node, 'axis', 0) !== 0)
    ctx.fail(node, 'gathers from a computed tensor; Attest converts Gather only on shape vectors');
  const source = data.c.data;
  const picked = Float64Array.from(indices.data, (i) => source[i < 0 ? i + source.length : i] ?? 0);
  ctx.setOutput(node, { kind: 'const', c: { dims: indices.dims, data: picked } });
}

export function convertCast(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.input(node, 0);
  if (x.kind === 'sym' && intAttr(node, 'to', 1) !== 1)
    ctx.fail(node, 'casts a computed tensor to a type other than float32');
  ctx.setOutput(node, x);
}

export function convertConstantOfShape(ctx: GraphContext, node: NodeProto): void {
  const dims = Array.from(ctx.constant(node, 0).data);
  const fill = tensorAttr(ctx, node, 'value')?.data[0] ?? 0;
  ctx.setOutput(node, { kind: 'const', c: { dims, data: new Float64Array(sizeOf(dims)).fill(fill) } });
}

/** Slice of a constant (PyTorch computes Pad's pads this way); slicing a computed tensor is not converted. */
export function convertSlice(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.input(node, 0);
  if (x.kind !== 'const') ctx.fail(node, 'slices a computed tensor; Attest converts Slice only on constants');
  const { dims, data } = x.c;
  const starts = Array.from(ctx.constant(node, 1).data);
  const ends = Array.from(ctx.constant(node, 2).data);
  const axes = Array.from(ctx.optionalConstant(node, 3)?.data ?? starts.map((_, i) => i));
  const steps = Array.from(ctx.optionalConstant(node, 4)?.data ?? starts.map(() => 1));
  // Per axis, the source indices kept.
  const picks = dims.map((d) => Array.from({ length: d }, (_, i) => i));
  axes.forEach((rawAxis, k) => {
    const axis = axisOf(ctx, node, rawAxis, dims.length);
    const d = dims[axis] ?? 0;
    const step = steps[k] ?? 1;
    if (step === 0) ctx.fail(node, 'has a step of 0');
    const clamp = (v: number, lo: number, hi: number): number =>
      Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const start = step > 0 ? clamp(starts[k] ?? 0, 0, d) : clamp(starts[k] ?? 0, 0, d - 1);
    const end = step > 0 ? clamp(ends[k] ?? d, 0, d) : clamp(ends[k] ?? -1, -1, d - 1);
    const kept: number[] = [];
    for (let i = start; step > 0 ? i < end : i > end; i += step) kept.push(i);
    picks[axis] = kept;
  });
  const outDims = picks.map((p) => p.length);
  const strides = dims.map((_, k) => sizeOf(dims.slice(k + 1)));
  const out = new Float64Array(sizeOf(outDims));
  const index = new Array<number>(outDims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let at = 0;
    index.forEach((v, k) => (at += (picks[k]?.[v] ?? 0) * (strides[k] ?? 0)));
    out[o] = data[at] ?? 0;
    for (let k = outDims.length - 1; k >= 0; k--) {
      index[k] = (index[k] ?? 0) + 1;
      if ((index[k] ?? 0) < (outDims[k] ?? 1)) break;
      index[k] = 0;
    }
  }
  ctx.setOutput(node, { kind: 'const', c: { dims: outDims, data: out } });
}
