import { tfl } from '../../engine/tf.js';
import type { NodeProto } from './onnx-proto.js';
import { transposeData } from './onnx-tensors.js';
import { OnnxPad } from './onnx-layers.js';
import {
  channelsLastPerm,
  floatAttr,
  intAttr,
  intsAttr,
  stringAttr,
  type GraphContext,
  type SymValue,
} from './graph-context.js';

/** Convolutions, poolings and batch normalization: 1-D ([N, C, L]) and 2-D ([N, C, H, W]) in the file. */

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Per spatial axis [before, after]. */
  pads: [number, number][];
  out: number[];
}

/** TF's 'same' padding for one axis: what it pads before and after. */
function tfSamePads(length: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(length / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - length, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function windowOf(ctx: GraphContext, node: NodeProto, spatial: number[], kernel: number[]): Window {
  const n = spatial.length;
  const strides = intsAttr(node, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = intsAttr(node, 'dilations') ?? new Array<number>(n).fill(1);
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  const flat = intsAttr(node, 'pads') ?? new Array<number>(2 * n).fill(0);
  let pads: [number, number][] = spatial.map((_, i) => [flat[i] ?? 0, flat[i + n] ?? 0]);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER')
    pads = spatial.map((length, i) => {
      const [before, after] = tfSamePads(length, kernel[i] ?? 1, strides[i] ?? 1, dilations[i] ?? 1);
      return autoPad === 'SAME_UPPER' ? [before, after] : [after, before];
    });
  else if (autoPad === 'VALID') pads = spatial.map(() => [0, 0]);
  else if (autoPad !== 'NOTSET') ctx.fail(node, `has auto_pad "${autoPad}"`);
  const out = spatial.map((length, i) => {
    const [before, after] = pads[i] ?? [0, 0];
    const span = ((kernel[i] ?? 1) - 1) * (dilations[i] ?? 1) + 1;
    return Math.floor((length + before + after - span) / (strides[i] ?? 1)) + 1;
  });
  if (out.some((o) => o < 1)) ctx.fail(node, `has a window larger than its input [${spatial.join(', ')}]`);
  return { kernel, strides, dilations, pads, out };
}

/** 'valid', 'same' when TF pads exactly as the file says, otherwise an explicit padding layer then 'valid'. */
function padFor(
  ctx: GraphContext,
  node: NodeProto,
  x: SymValue,
  window: Window,
  spatial: number[],
  fill: number | null,
  allowSame: boolean,
): { x: SymValue; padding: 'valid' | 'same' } {
  if (window.pads.every(([a, b]) => a === 0 && b === 0)) return { x, padding: 'valid' };
  const same = spatial.every((length, i) => {
    const [a, b] = tfSamePads(
      length,
      window.kernel[i] ?? 1,
      window.strides[i] ?? 1,
      window.dilations[i] ?? 1,
    );
    const [c, d] = window.pads[i] ?? [0, 0];
    return a === c && b === d;
  });
  if (same && allowSame) return { x, padding: 'same' };
  const layer = new OnnxPad({ paddings: [...window.pads, [0, 0]], fill, name: ctx.layerName(node, '_pad') });
  const shape = x.shape.map((d, axis) =>
    axis < 2 ? d : d + (window.pads[axis - 2]?.[0] ?? 0) + (window.pads[axis - 2]?.[1] ?? 0),
  );
  return { x: { kind: 'sym', t: ctx.apply(layer, x), shape, perm: x.perm }, padding: 'valid' };
}

function spatialInput(ctx: GraphContext, node: NodeProto): { x: SymValue; spatial: number[] } {
  const raw = ctx.sym(node, 0);
  const rank = raw.shape.length;
  if (rank !== 3 && rank !== 4)
    ctx.fail(
      node,
      `reads a tensor of rank ${rank}; Attest converts 1-D and 2-D ones ([N, C, L], [N, C, H, W])`,
    );
  const x = ctx.arrange(node, raw, channelsLastPerm(rank));
  return { x, spatial: x.shape.slice(2) };
}

export function convertConv(ctx: GraphContext, node: NodeProto): void {
  const { x, spatial } = spatialInput(ctx, node);
  const weight = ctx.constant(node, 1);
  const bias = ctx.optionalConstant(node, 2);
  const [filters = 0, perGroup = 0, ...kernel] = weight.dims;
  const channels = x.shape[1] ?? 0;
  const group = intAttr(node, 'group', 1);
  if (kernel.length !== spatial.length)
    ctx.fail(node, `has a ${kernel.length}-D kernel for ${spatial.length}-D data`);
  const window = windowOf(ctx, node, spatial, kernel);
  if (window.strides.some((s) => s > 1) && window.dilations.some((d) => d > 1))
    ctx.fail(node, 'has both strides and dilations above 1, which TF.js convolutions cannot run together');
  const useBias = bias !== undefined;
  const biasWeight = { data: bias?.data ?? new Float64Array(filters), shape: [filters] };
  const outShape = [-1, filters, ...window.out];
  const depthwise = group > 1 && group === channels && perGroup === 1 && filters % channels === 0;
  if (group === 1 && perGroup === channels) {
    const { x: padded, padding } = padFor(ctx, node, x, window, spatial, 0, true);
    const name = ctx.layerName(node);
    const common = { filters, padding, useBias, name } as const;
    const layer =
      kernel.length === 1
        ? tfl.layers.conv1d({
            ...common,
            kernelSize: kernel[0] ?? 1,
            strides: window.strides[0] ?? 1,
            dilationRate: window.dilations[0] ?? 1,
          })
        : tfl.layers.conv2d({
            ...common,
            kernelSize: kernel,
            strides: window.strides,
            dilationRate: window.dilations as [number, number],
          });
    const t = ctx.apply(layer, padded);
    // ONNX [M, C, ...k] -> TF.js [...k, C, M].
    const perm = kernel.length === 1 ? [2, 1, 0] : [2, 3, 1, 0];
    const kernelWeight = {
      data: transposeData(weight.data, weight.dims, perm),
      shape: perm.map((p) => weight.dims[p] ?? 1),
    };
    ctx.setWeights(layer, useBias ? [kernelWeight, biasWeight] : [kernelWeight]);
    ctx.setOutput(node, { kind: 'sym', t, shape: outShape, perm: x.perm });
    return;
  }
  if (!depthwise)
    ctx.fail(
      node,
      `has group=${group} with ${channels} input channels: a grouped convolution that is neither ordinary nor depthwise`,
    );
  const multiplier = filters / channels;
  // TF.js has no 1-D depthwise convolution: a 1-D one runs as 2-D over [L, 1].
  const twoD = kernel.length === 2;
  const { x: padded, padding } = padFor(ctx, node, x, window, spatial, 0, true);
  let input = padded;
  if (!twoD) {
    const length = padded.shape[2] ?? 1;
    input = { ...padded, shape: [-1, channels, length, 1], perm: channelsLastPerm(4) };
    const layer = tfl.layers.reshape({
      targetShape: [length, 1, channels],
      name: ctx.layerName(node, '_as2d'),
    });
    input.t = ctx.apply(layer, padded);
  }
  const k2 = twoD ? kernel : [kernel[0] ?? 1, 1];
  const layer = tfl.layers.depthwiseConv2d({
    kernelSize: k2 as [number, number],
    depthMultiplier: multiplier,
    strides: twoD ? window.strides : [window.strides[0] ?? 1, 1],
    dilationRate: (twoD ? window.dilations : [window.dilations[0] ?? 1, 1]) as [number, number],
    padding,
    useBias,
    name: ctx.layerName(node),
  });
  let t = ctx.apply(layer, input);
  // ONNX [C * mult, 1, kh, kw] (output channel c * mult + m, as TF.js orders them) -> TF.js [kh, kw, C, mult].
  const dims = [channels, multiplier, k2[0] ?? 1, k2[1] ?? 1];
  const kernelWeight = {
    data: transposeData(weight.data, dims, [2, 3, 0, 1]),
    shape: [k2[0] ?? 1, k2[1] ?? 1, channels, multiplier],
  };
  ctx.setWeights(layer, useBias ? [kernelWeight, biasWeight] : [kernelWeight]);
  if (!twoD) {
    const back = tfl.layers.reshape({
      targetShape: [window.out[0] ?? 1, filters],
      name: ctx.layerName(node, '_as1d'),
    });
    t = ctx.apply(back, t);
  }
  ctx.setOutput(node, { kind: 'sym', t, shape: outShape, perm: x.perm });
}

export function convertPool(ctx: GraphContext, node: NodeProto, kind: 'max' | 'average'): void {
  const { x, spatial } = spatialInput(ctx, node);
  const kernel = intsAttr(node, 'kernel_shape');
  if (kernel?.length !== spatial.length) ctx.fail(node, 'has no kernel_shape for its input');
  const window = windowOf(ctx, node, spatial, kernel);
  if (window.dilations.some((d) => d > 1)) ctx.fail(node, 'has dilations above 1');
  if (intAttr(node, 'ceil_mode', 0) === 1) {
    // Ceil mode adds a last, partial window where the floor would drop it: for max pooling, padding the end
    // with -Infinity gives the same windows; for average pooling the divisor would differ.
    window.out = window.out.map((floor, i) => {
      const [before, after] = window.pads[i] ?? [0, 0];
      const length = spatial[i] ?? 1;
      const stride = window.strides[i] ?? 1;
      let ceil = Math.ceil((length + before + after - (kernel[i] ?? 1)) / stride) + 1;
      if ((ceil - 1) * stride >= length + before) ceil--;
      if (ceil > floor) {
        if (kind === 'average') ctx.fail(node, 'has ceil_mode=1 with a partial last window');
        window.pads[i] = [before, after + (ceil - 1) * stride + (kernel[i] ?? 1) - (length + before + after)];
      }
      return ceil;
    });
  }
  const includePad = intAttr(node, 'count_include_pad', 0) === 1;
  const padded =
    kind === 'max'
      ? padFor(ctx, node, x, window, spatial, null, false)
      : padFor(ctx, node, x, window, spatial, 0, !includePad);
  if (kind === 'average' && !includePad && padded.padding === 'valid' && padded.x !== x)
    ctx.fail(node, 'pads unevenly without counting the padding, which TF.js pooling cannot do');
  const name = ctx.layerName(node);
  const layer =
    spatial.length === 1
      ? (kind === 'max' ? tfl.layers.maxPooling1d : tfl.layers.averagePooling1d)({
          poolSize: kernel[0] ?? 1,
          strides: window.strides[0] ?? 1,
          padding: padded.padding,
          name,
        })
      : (kind === 'max' ? tfl.layers.maxPooling2d : tfl.layers.averagePooling2d)({
          poolSize: kernel as [number, number],
          strides: window.strides as [number, number],
          padding: padded.padding,
          name,
        });
  const t = ctx.apply(layer, padded.x);
  ctx.setOutput(node, { kind: 'sym', t, shape: [-1, x.shape[1] ?? 1, ...window.out], perm: x.perm });
}

export function convertGlobalPool(ctx: GraphContext, node: NodeProto, kind: 'max' | 'average'): void {
  const { x, spatial } = spatialInput(ctx, node);
  const channels = x.shape[1] ?? 1;
  const name = ctx.layerName(node);
  const layer =
    spatial.length === 1
      ? (kind === 'max' ? tfl.layers.globalMaxPooling1d : tfl.layers.globalAveragePooling1d)({ name })
      : (kind === 'max' ? tfl.layers.globalMaxPooling2d : tfl.layers.globalAveragePooling2d)({ name });
  const pooled = ctx.apply(layer, x);
  // ONNX keeps the spatial axes as 1s: [N, C, 1(, 1)].
  const keep = tfl.layers.reshape({
    targetShape: [...spatial.map(() => 1), channels],
    name: ctx.layerName(node, '_keepdims'),
  });
  const t = ctx.apply(keep, pooled);
  ctx.setOutput(node, { kind: 'sym', t, shape: [-1, channels, ...spatial.map(() => 1)], perm: x.perm });
}

export function convertBatchNorm(ctx: GraphContext, node: NodeProto): void {
  const x = ctx.sym(node, 0);
  const [scale, offset, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constant(node, i));
  const channels = x.shape[1] ?? 0;
  for (const c of [scale, offset, mean, variance])
    if (c?.data.length !== channels)
      ctx.fail(node, `has parameters that do not match its ${channels} channels`);
  const layer = tfl.layers.batchNormalization({
    axis: x.perm.indexOf(1),
    epsilon: floatAttr(node, 'epsilon', 1e-5),
    momentum: floatAttr(node, 'momentum', 0.9),
    name: ctx.layerName(node),
  });
  const t = ctx.apply(layer, x);
  ctx.setWeights(
    layer,
    [scale, offset, mean, variance].map((c) => ({ data: c?.data ?? new Float64Array(), shape: [channels] })),
  );
  ctx.setOutput(node, { kind: 'sym', t, shape: x.shape, perm: x.perm });
}
