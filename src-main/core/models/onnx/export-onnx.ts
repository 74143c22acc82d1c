import { tf, type tfl } from '../../engine/tf.js';
import { badInput } from '../../errors.js';
import { OnnxGraphBuilder } from './onnx-builder.js';
import { transposeData } from './onnx-tensors.js';
import type { Int8Weight } from './int8-weights.js';

/**
 * Writes a TF.js layers model as an ONNX graph (opset 13) for ONNX Runtime and the tools that read ONNX. The
 * file's input is Attest's layout, channels last ([n, 187, 1], [n, h, w, c]), as `attest predict` reads it;
 * inside, convolutions run channels first as ONNX requires, with a Transpose at the input and before Flatten, so
 * the dense layers see the features in the order they were trained on. Weights are float32: int8 children are
 * exported with their kernels dequantized (the values the model computes with).
 */

export const EXPORT_OPSET = 13;

interface Exported {
  name: string;
  /** For rank >= 3: whether the ONNX tensor is channels first (Conv's layout) or as in TF.js (channels last). */
  channelsFirst: boolean;
  /** TF.js shape without batch. */
  shape: number[];
}

type Layer = tfl.layers.Layer;

function symbolicList(value: tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.SymbolicTensor[] {
  return Array.isArray(value) ? value : [value];
}

function tfSamePads(length: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(length / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - length, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function asList(value: unknown, rank: number): number[] {
  if (Array.isArray(value)) return value.map(Number);
  return new Array<number>(rank).fill(Number(value ?? 1));
}

class Exporter {
  readonly b = new OnnxGraphBuilder(EXPORT_OPSET);
  readonly values = new Map<number, Exported>();
  private constants = 0;

  /** Kernels written as int8 + DequantizeLinear (QDQ), and int8 kernels that had to be written dequantized. */
  qdqKernels = 0;
  dequantizedInt8Kernels = 0;

  constructor(
    private readonly model: tfl.LayersModel,
    private readonly int8: Map<string, Int8Weight>,
  ) {}

  /**
   * A kernel as ONNX wants it (TF.js axes moved by `perm`, then `dims`): float32, or, for an int8 child, its very
   * integers and per-channel scales through DequantizeLinear, which ONNX Runtime turns into the same float32
   * values (q * scale) that TF.js computes with. A per-channel axis that the layout splits (a depthwise kernel
   * with a depth multiplier above 1) has no ONNX equivalent: that kernel goes dequantized.
   */
  kernel(
    layer: Layer,
    kernel: { data: Float64Array; shape: number[] },
    perm: number[],
    dims: number[],
  ): string {
    const data = transposeData(kernel.data, kernel.shape, perm);
    const entry = this.int8.get(layer.weights[0]?.originalName ?? '');
    if (entry === undefined || entry.q.length !== kernel.data.length)
      return this.constant(data, dims, `${layer.name}_kernel`);
    const axis = perm.indexOf(entry.axis);
    const perTensor = entry.scales.length === 1;
    if (!perTensor && dims[axis] !== entry.scales.length) {
      this.dequantizedInt8Kernels++;
      return this.constant(data, dims, `${layer.name}_kernel`);
    }
    this.qdqKernels++;
    const q = this.b.int8s(
      `${layer.name}_kernel_int8`,
      transposeData(Float64Array.from(entry.q), entry.shape, perm),
      dims,
    );
    const scaleDims = perTensor ? [] : [entry.scales.length];
    const scale = this.b.floats(`${layer.name}_kernel_scale`, entry.scales, scaleDims);
    const zero = this.b.int8s(
      `${layer.name}_kernel_zero`,
      new Array<number>(entry.scales.length).fill(0),
      scaleDims,
    );
    return this.b.node('DequantizeLinear', [q, scale, zero], perTensor ? {} : { axis: { i: axis } });
  }

  fail(layer: Layer, problem: string): never {
    throw badInput(`layer "${layer.name}" (${layer.getClassName()}) ${problem}`, this.model.name);
  }

  constant(data: ArrayLike<number>, dims: number[], label: string): string {
    return this.b.floats(`${label}_${this.constants++}`, data, dims);
  }

  ints(values: number[], label: string): string {
    return this.b.int64s(`${label}_${this.constants++}`, values);
  }

  weights(layer: Layer): { data: Float64Array; shape: number[] }[] {
    return layer.getWeights().map((w) => ({ data: Float64Array.from(w.dataSync()), shape: w.shape }));
  }

  /** Moves a value to channels first (for Conv, pooling, batch norm) or back (for Flatten, Reshape, output). */
  layout(value: Exported, channelsFirst: boolean): Exported {
    const rank = value.shape.length + 1;
    if (rank < 3 || value.channelsFirst === channelsFirst)
      return { ...value, channelsFirst: rank < 3 ? false : channelsFirst };
    const perm = channelsFirst
      ? [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)]
      : [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
    return {
      ...value,
      name: this.b.node('Transpose', [value.name], { perm: { ints: perm } }),
      channelsFirst,
    };
  }

  activation(layer: Layer, name: string, shape: number[]): string {
    const activation = String((layer.getConfig() as { activation?: string }).activation ?? 'linear');
    switch (activation) {
      case 'linear':
        return name;
      case 'relu':
        return this.b.node('Relu', [name]);
      case 'relu6':
        return this.b.node('Clip', [name, this.constant([0], [], 'zero'), this.constant([6], [], 'six')]);
      case 'sigmoid':
        return this.b.node('Sigmoid', [name]);
      case 'tanh':
        return this.b.node('Tanh', [name]);
      case 'softmax':
        if (shape.length !== 1) this.fail(layer, 'has a softmax over a tensor of rank above 2');
        return this.b.node('Softmax', [name], { axis: { i: -1 } });
      default:
        this.fail(layer, `has activation "${activation}", which Attest does not export`);
    }
  }

  /** kernel_shape, strides, dilations and explicit pads of a convolution or pooling window. */
  window(layer: Layer, spatial: number[], kernel: number[]) {
    const config = layer.getConfig() as {
      strides?: unknown;
      dilationRate?: unknown;
      padding?: string;
      poolSize?: unknown;
    };
    const n = spatial.length;
    const strides = asList(config.strides ?? config.poolSize, n);
    const dilations = asList(config.dilationRate ?? 1, n);
    const same = config.padding === 'same';
    if (config.padding !== 'same' && config.padding !== 'valid')
      this.fail(layer, `has padding "${config.padding}"`);
    const pairs = spatial.map((length, i) =>
      same ? tfSamePads(length, kernel[i] ?? 1, strides[i] ?? 1, dilations[i] ?? 1) : [0, 0],
    );
    return {
      kernel_shape: { ints: kernel },
      strides: { ints: strides },
      pads: { ints: [...pairs.map((p) => p[0] ?? 0), ...pairs.map((p) => p[1] ?? 0)] },
      dilations: { ints: dilations },
    };
  }

  convert(layer: Layer, inputs: Exported[], outShape: number[]): Exported {
    const x = inputs[0] as Exported;
    const cls = layer.getClassName();
    const spatial = x.shape.slice(0, -1);
    const channels = x.shape[x.shape.length - 1] ?? 1;
    switch (cls) {
      case 'Conv1D':
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const cf = this.layout(x, true);
        const [kernel, bias] = this.weights(layer);
        if (kernel === undefined) this.fail(layer, 'has no kernel');
        const k = kernel.shape.slice(0, spatial.length);
        let w: { perm: number[]; dims: number[] };
        let group = 1;
        if (cls === 'DepthwiseConv2D') {
          // TF.js [kh, kw, C, mult] -> ONNX [C * mult, 1, kh, kw] (output channel c * mult + m in both).
          const mult = kernel.shape[3] ?? 1;
          w = { perm: [2, 3, 0, 1], dims: [channels * mult, 1, ...k] };
          group = channels;
        } else {
          // TF.js [...k, C, M] -> ONNX [M, C, ...k].
          const perm = k.length === 1 ? [2, 1, 0] : [3, 2, 0, 1];
          w = { perm, dims: perm.map((p) => kernel.shape[p] ?? 1) };
        }
        const inputsOf = [cf.name, this.kernel(layer, kernel, w.perm, w.dims)];
        if (bias !== undefined) inputsOf.push(this.constant(bias.data, bias.shape, `${layer.name}_bias`));
        const attrs = { ...this.window(layer, spatial, k), group: { i: group } };
        const conv = this.b.node('Conv', inputsOf, attrs);
        return { name: this.activation(layer, conv, outShape), channelsFirst: true, shape: outShape };
      }
      case 'Dense': {
        if (x.shape.length !== 1) this.fail(layer, 'reads a tensor of rank above 2');
        const [kernel, bias] = this.weights(layer);
        if (kernel === undefined) this.fail(layer, 'has no kernel');
        const inputsOf = [x.name, this.kernel(layer, kernel, [0, 1], kernel.shape)];
        if (bias !== undefined) inputsOf.push(this.constant(bias.data, bias.shape, `${layer.name}_bias`));
        const gemm = this.b.node('Gemm', inputsOf);
        return { name: this.activation(layer, gemm, outShape), channelsFirst: false, shape: outShape };
      }
      case 'Activation':
        return { ...x, name: this.activation(layer, x.name, outShape), shape: outShape };
      case 'Add': {
        const aligned = inputs.map((v) => this.layout(v, x.channelsFirst));
        let sum = (aligned[0] as Exported).name;
        for (const v of aligned.slice(1)) sum = this.b.node('Add', [sum, v.name]);
        return { name: sum, channelsFirst: (aligned[0] as Exported).channelsFirst, shape: outShape };
      }
      case 'MaxPooling1D':
      case 'MaxPooling2D':
      case 'AveragePooling1D':
      case 'AveragePooling2D': {
        const cf = this.layout(x, true);
        const poolSize = asList((layer.getConfig() as { poolSize?: unknown }).poolSize, spatial.length);
        const attrs: Record<string, { ints: number[] } | { i: number }> = this.window(
          layer,
          spatial,
          poolSize,
        );
        delete attrs['dilations'];
        const max = cls.startsWith('Max');
        // TF's 'same' average pooling divides by the values inside the input only.
        if (!max) attrs['count_include_pad'] = { i: 0 };
        return {
          name: this.b.node(max ? 'MaxPool' : 'AveragePool', [cf.name], attrs),
          channelsFirst: true,
          shape: outShape,
        };
      }
      case 'GlobalAveragePooling1D':
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling1D':
      case 'GlobalMaxPooling2D': {
        const cf = this.layout(x, true);
        const pooled = this.b.node(cls.startsWith('GlobalMax') ? 'GlobalMaxPool' : 'GlobalAveragePool', [
          cf.name,
        ]);
        return {
          name: this.b.node('Flatten', [pooled], { axis: { i: 1 } }),
          channelsFirst: false,
          shape: outShape,
        };
      }
      case 'Flatten': {
        const last = this.layout(x, false);
        return {
          name: this.b.node('Flatten', [last.name], { axis: { i: 1 } }),
          channelsFirst: false,
          shape: outShape,
        };
      }
      case 'Reshape': {
        const last = this.layout(x, false);
        const reshaped = this.b.node('Reshape', [last.name, this.ints([-1, ...outShape], 'shape')]);
        return { name: reshaped, channelsFirst: false, shape: outShape };
      }
      case 'BatchNormalization': {
        const cf = this.layout(x, true);
        const config = layer.getConfig() as { epsilon?: number; axis?: number };
        if (config.axis !== -1 && config.axis !== x.shape.length)
          this.fail(layer, 'normalizes an axis other than the channels');
        const [gamma, beta, mean, variance] = this.weights(layer);
        if (gamma === undefined || beta === undefined || mean === undefined || variance === undefined)
          this.fail(layer, 'has no scale or offset (center/scale off)');
        const params = [gamma, beta, mean, variance].map((p, i) =>
          this.constant(p.data, p.shape, `${layer.name}_${i}`),
        );
        const bn = this.b.node('BatchNormalization', [cf.name, ...params], {
          epsilon: { f: config.epsilon ?? 1e-3 },
        });
        return { name: bn, channelsFirst: cf.channelsFirst, shape: outShape };
      }
      case 'SliceSteps': {
        // Channels last, [batch, steps, channels]: the steps are axis 1.
        const last = this.layout(x, false);
        const { begin, size } = layer.getConfig() as { begin: number; size: number };
        const sliced = this.b.node('Slice', [
          last.name,
          this.ints([begin], `${layer.name}_start`),
          this.ints([begin + size], `${layer.name}_end`),
          this.ints([1], `${layer.name}_axis`),
        ]);
        return { name: sliced, channelsFirst: false, shape: outShape };
      }
      case 'Concatenate': {
        const aligned = inputs.map((v) => this.layout(v, false));
        return {
          name: this.b.node(
            'Concat',
            aligned.map((v) => v.name),
            { axis: { i: -1 } },
          ),
          channelsFirst: false,
          shape: outShape,
        };
      }
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'GaussianNoise':
        return x;
      case 'DynamicFakeQuant':
        return { ...x, name: this.fakeQuant(x.name) };
      case 'WinnersTakeAll':
        return { ...x, name: this.winnersTakeAll(layer, x) };
      default:
        this.fail(layer, 'cannot be exported to ONNX');
    }
  }

  /** DynamicFakeQuant: 256 levels between the batch's own minimum and maximum (zero kept exact). */
  fakeQuant(x: string): string {
    const b = this.b;
    const zero = this.constant([0], [], 'zero');
    const low = b.node('Min', [b.node('ReduceMin', [x], { keepdims: { i: 0 } }), zero]);
    const high = b.node('Max', [b.node('ReduceMax', [x], { keepdims: { i: 0 } }), zero]);
    const range = b.node('Div', [b.node('Sub', [high, low]), this.constant([255], [], 'levels')]);
    const scale = b.node('Max', [range, this.constant([1e-12], [], 'tiny')]);
    const offset = b.node('Round', [b.node('Div', [b.node('Neg', [low]), scale])]);
    const q = b.node('Add', [b.node('Round', [b.node('Div', [x, scale])]), offset]);
    const clipped = b.node('Clip', [q, zero, this.constant([255], [], 'top')]);
    return b.node('Mul', [b.node('Sub', [clipped, offset]), scale]);
  }

  /** WinnersTakeAll: per sample, values at least the k-th largest pass (the order of axes does not matter). */
  winnersTakeAll(layer: Layer, x: Exported): string {
    const b = this.b;
    const size = x.shape.reduce((a, d) => a * d, 1);
    const keep = Number((layer.getConfig() as { keep?: number }).keep ?? 1);
    const k = Math.max(1, Math.round(keep * size));
    const flat = b.node('Reshape', [x.name, this.ints([-1, size], 'flat')]);
    const top = b.node(
      'TopK',
      [flat, this.ints([k], 'k')],
      { axis: { i: 1 }, largest: { i: 1 }, sorted: { i: 1 } },
      [`${layer.name}_topk_values`, `${layer.name}_topk_indices`],
    );
    const kth = b.node('Slice', [
      top,
      this.ints([k - 1], 'start'),
      this.ints([k], 'end'),
      this.ints([1], 'axis'),
    ]);
    const mask = b.node('Cast', [b.node('GreaterOrEqual', [flat, kth])], { to: { i: 1 } });
    const kept = b.node('Mul', [flat, mask]);
    const dims = x.channelsFirst ? [x.shape[x.shape.length - 1] ?? 1, ...x.shape.slice(0, -1)] : x.shape;
    return b.node('Reshape', [kept, this.ints([-1, ...dims], 'back')]);
  }

  run(): Uint8Array {
    const model = this.model;
    if (model.inputs.length !== 1 || model.outputs.length !== 1)
      throw badInput('has several inputs or outputs; Attest exports models with one of each', model.name);
    const input = model.inputs[0] as tfl.SymbolicTensor;
    const output = model.outputs[0] as tfl.SymbolicTensor;
    const shapeOf = (t: tfl.SymbolicTensor): number[] => t.shape.slice(1).map((d) => d ?? -1);
    const inputShape = shapeOf(input);
    if (inputShape.some((d) => d < 1))
      throw badInput('has an input with an unknown size besides the batch', model.name);
    this.b.input('input', ['batch', ...inputShape]);
    this.values.set(input.id, { name: 'input', channelsFirst: false, shape: inputShape });
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      if (layer.inboundNodes.length !== 1) this.fail(layer, 'is used more than once in the graph');
      const inputs = symbolicList(layer.input).map((t) => {
        const value = this.values.get(t.id);
        if (value === undefined) this.fail(layer, 'reads a tensor from outside the model');
        return value;
      });
      const out = layer.output as tfl.SymbolicTensor;
      if (Array.isArray(layer.output)) this.fail(layer, 'has several outputs');
      this.values.set(out.id, this.convert(layer, inputs, shapeOf(out)));
    }
    const result = this.values.get(output.id);
    if (result === undefined) throw badInput('has an output no layer computes', model.name);
    const last = this.layout(result, false);
    this.b.node('Identity', [last.name], {}, ['output']);
    this.b.output('output', ['batch', ...shapeOf(output)]);
    return this.b.encode('attest', '', model.name);
  }
}

export interface OnnxExport {
  bytes: Uint8Array;
  /** Int8 kernels written as int8 with their scales (QDQ), and int8 kernels written dequantized. */
  qdqKernels: number;
  dequantizedInt8Kernels: number;
}

/**
 * The model as ONNX (opset 13, input and output in Attest's layout). Kernels are float32 unless `int8` gives
 * a child's stored int8 kernels (readInt8Weights), which are written as int8 + DequantizeLinear.
 */
export function exportOnnxWithReport(
  model: tfl.LayersModel,
  options: { int8?: Map<string, Int8Weight> } = {},
): OnnxExport {
  const exporter = new Exporter(model, options.int8 ?? new Map());
  // getWeights reads the variables without copies; the tidy only guards against a kernel allocating.
  const bytes = tf.tidy(() => exporter.run());
  return { bytes, qdqKernels: exporter.qdqKernels, dequantizedInt8Kernels: exporter.dequantizedInt8Kernels };
}

/** The model as ONNX bytes (opset 13, float32 weights, input and output in Attest's layout). */
export function exportOnnx(model: tfl.LayersModel): Uint8Array {
  return exportOnnxWithReport(model).bytes;
}
