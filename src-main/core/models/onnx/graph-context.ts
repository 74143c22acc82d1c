import { tf, tfl } from '../../engine/tf.js';
import { AttestError } from '../../errors.js';
import type { AttributeProto, NodeProto } from './onnx-proto.js';
import { readTensorProto, toFloat32, type ConstTensor } from './onnx-tensors.js';

/**
 * A value of the ONNX graph during conversion. Computed tensors stay channels-last inside TF.js (its
 * convolutions and poolings want that), so each one records how its TF.js axes map to the file's axes: the
 * TF.js tensor's axis i is the ONNX tensor's axis perm[i]. Axis attributes (Concat, Softmax, BatchNormalization)
 * are translated through perm, and operators that depend on memory order (Flatten, Reshape, MatMul) first permute
 * back to the file's order, so their results are the file's.
 */
export interface SymValue {
  kind: 'sym';
  t: tfl.SymbolicTensor;
  /** The ONNX shape, batch first as -1. */
  shape: number[];
  perm: number[];
}
export interface ConstValue {
  kind: 'const';
  c: ConstTensor;
}
export type Value = SymValue | ConstValue;

export function identityPerm(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** [0, 2, 3, ..., 1]: ONNX's [N, C, ...spatial] laid out as TF.js's [N, ...spatial, C]. */
export function channelsLastPerm(rank: number): number[] {
  return rank < 3 ? identityPerm(rank) : [0, ...identityPerm(rank).slice(2), 1];
}

export function samePerm(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * A valid ONNX graph that Attest cannot convert to TF.js (an operator or an attribute outside what it converts):
 * bad input (exit 2) for an import that needs gradients, while ONNX Runtime may still run the file
 * (openOnnxRuntimeModel) for the forward-only suites.
 */
export class OnnxConversionError extends AttestError {
  readonly operator: string;

  constructor(operator: string, message: string, file: string) {
    super('BAD_INPUT', message, { file });
    this.name = 'OnnxConversionError';
    this.operator = operator;
  }
}

export class GraphContext {
  readonly values = new Map<string, Value>();
  /** Every layer made, so that a conversion that fails half-way can free their weights. */
  readonly layers: tfl.layers.Layer[] = [];
  private readonly layerNames = new Set<string>();

  constructor(
    readonly file: string,
    readonly opset: number,
  ) {}

  fail(node: NodeProto, problem: string): never {
    const op = node.opType ?? '?';
    throw new OnnxConversionError(op, `operator ${op} (node "${node.name ?? ''}") ${problem}`, this.file);
  }

  /** A unique TF.js layer name from the ONNX node's name (TF.js allows fewer characters). */
  layerName(node: NodeProto, suffix = ''): string {
    const base =
      `onnx_${(node.name ?? '') !== '' ? node.name : (node.opType ?? 'op')}${suffix}`
        .replace(/[^A-Za-z0-9_.-]/g, '_')
        .replace(/_+/g, '_') || 'onnx';
    let name = base;
    for (let k = 2; this.layerNames.has(name); k++) name = `${base}_${k}`;
    this.layerNames.add(name);
    return name;
  }

  input(node: NodeProto, index: number): Value {
    const name = node.input?.[index];
    if (name === undefined || name === '') this.fail(node, `has no input ${index + 1}`);
    const value = this.values.get(name);
    if (value === undefined) this.fail(node, `reads "${name}", which no earlier node computes`);
    return value;
  }

  optionalInput(node: NodeProto, index: number): Value | undefined {
    const name = node.input?.[index];
    return name === undefined || name === '' ? undefined : this.input(node, index);
  }

  sym(node: NodeProto, index: number): SymValue {
    const value = this.input(node, index);
    if (value.kind !== 'sym') this.fail(node, `has a constant where Attest converts only a computed tensor`);
    return value;
  }

  constant(node: NodeProto, index: number): ConstTensor {
    const value = this.input(node, index);
    if (value.kind !== 'const')
      this.fail(node, `input ${index + 1} is computed from the data; Attest converts it only as a constant`);
    return value.c;
  }

  optionalConstant(node: NodeProto, index: number): ConstTensor | undefined {
    return this.optionalInput(node, index) === undefined ? undefined : this.constant(node, index);
  }

  setOutput(node: NodeProto, value: Value, index = 0): void {
    const name = node.output?.[index];
    if (name === undefined || name === '') return;
    this.values.set(name, value);
  }

  /** Applies a layer to computed tensors and returns its symbolic output. */
  apply(layer: tfl.layers.Layer, inputs: SymValue | SymValue[] | tfl.SymbolicTensor): tfl.SymbolicTensor {
    const symbolic = Array.isArray(inputs) ? inputs.map((v) => v.t) : 'kind' in inputs ? inputs.t : inputs;
    this.layers.push(layer);
    return layer.apply(symbolic) as tfl.SymbolicTensor;
  }

  /** Frees the weights of every layer made (after a failed conversion, when no model owns them). */
  disposeLayers(): void {
    for (const layer of this.layers) {
      try {
        layer.dispose();
      } catch {
        // Already disposed through another path: nothing left to free.
      }
    }
  }

  /** Sets a built layer's weights from the graph's constants. */
  setWeights(
    layer: tfl.layers.Layer,
    weights: { data: Float64Array | Float32Array; shape: number[] }[],
  ): void {
    const tensors = weights.map((w) =>
      tf.tensor(w.data instanceof Float32Array ? w.data : toFloat32(w.data), w.shape, 'float32'),
    );
    layer.setWeights(tensors);
    tensors.forEach((t) => t.dispose());
  }

  /** The TF.js shape of a value without its batch axis. */
  tfShape(value: SymValue): number[] {
    return value.perm.slice(1).map((a) => value.shape[a] ?? 1);
  }

  /** Permutes a computed tensor so that its TF.js axes map to the ONNX axes as `perm` says. */
  arrange(node: NodeProto, value: SymValue, perm: number[]): SymValue {
    if (samePerm(value.perm, perm)) return value;
    // Moving only axes of size 1 leaves the memory order alone: a reshape, which costs no copy.
    const nonUnit = (p: number[]): number[] => p.filter((axis) => axis === 0 || value.shape[axis] !== 1);
    if (samePerm(nonUnit(value.perm), nonUnit(perm))) {
      const targetShape = perm.slice(1).map((axis) => value.shape[axis] ?? 1);
      const layer = tfl.layers.reshape({ targetShape, name: this.layerName(node, '_reshape') });
      return { kind: 'sym', t: this.apply(layer, value), shape: value.shape, perm };
    }
    const dims = perm.slice(1).map((axis) => value.perm.indexOf(axis));
    const layer = tfl.layers.permute({ dims, name: this.layerName(node, '_permute') });
    return { kind: 'sym', t: this.apply(layer, value), shape: value.shape, perm };
  }

  /** The file's order: for operators that depend on memory order. */
  inFileOrder(node: NodeProto, value: SymValue): SymValue {
    return this.arrange(node, value, identityPerm(value.shape.length));
  }

  /** A reshape of a value in the file's order to a new ONNX shape (batch kept). */
  reshape(node: NodeProto, value: SymValue, shape: number[], suffix = '_reshape'): SymValue {
    const ordered = this.inFileOrder(node, value);
    if (samePerm(ordered.shape, shape)) return { ...ordered, shape };
    const layer = tfl.layers.reshape({ targetShape: shape.slice(1), name: this.layerName(node, suffix) });
    return { kind: 'sym', t: this.apply(layer, ordered), shape, perm: identityPerm(shape.length) };
  }
}

export function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function intAttr(node: NodeProto, name: string, fallback: number): number {
  return attribute(node, name)?.i ?? fallback;
}

export function floatAttr(node: NodeProto, name: string, fallback: number): number {
  return attribute(node, name)?.f ?? fallback;
}

export function intsAttr(node: NodeProto, name: string): number[] | undefined {
  const a = attribute(node, name);
  return a === undefined ? undefined : (a.ints ?? []);
}

export function stringAttr(node: NodeProto, name: string, fallback: string): string {
  const s = attribute(node, name)?.s;
  return s === undefined ? fallback : new TextDecoder().decode(s);
}

export function tensorAttr(ctx: GraphContext, node: NodeProto, name: string): ConstTensor | undefined {
  const t = attribute(node, name)?.t;
  if (t === undefined) return undefined;
  const read = readTensorProto(t);
  if (typeof read === 'string') ctx.fail(node, read);
  return read;
}

/** Normalizes a possibly negative axis. */
export function axisOf(ctx: GraphContext, node: NodeProto, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(node, `has axis ${axis} for a tensor of rank ${rank}`);
  return a;
}
