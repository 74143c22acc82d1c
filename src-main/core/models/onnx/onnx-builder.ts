import {
  AttributeType,
  DataType,
  encodeModelProto,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto.js';

/** An attribute value: exactly one of int, float, ints, floats, string. */
export type AttributeValue =
  { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };

function attributeProto(name: string, value: AttributeValue): AttributeProto {
  if ('i' in value) return { name, type: AttributeType.INT, i: value.i };
  if ('f' in value) return { name, type: AttributeType.FLOAT, f: value.f };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.s) };
}

function valueInfo(name: string, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Writes ONNX graphs (ModelProto, IR version 8): Attest's ONNX export, and the tests' small graphs that check the
 * import against ONNX Runtime. Float initializers go as little-endian raw_data, as PyTorch writes them.
 */
export class OnnxGraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly opset = 13) {}

  input(name: string, dims: (number | string)[]): this {
    this.inputs.push(valueInfo(name, dims));
    return this;
  }

  output(name: string, dims: (number | string)[]): this {
    this.outputs.push(valueInfo(name, dims));
    return this;
  }

  /** A float32 constant; returns its name. */
  floats(name: string, data: ArrayLike<number>, dims: number[]): string {
    const raw = new Uint8Array(data.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] ?? 0, true);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: raw });
    return name;
  }

  /** An int8 constant (quantized kernels, zero points); returns its name. */
  int8s(name: string, data: ArrayLike<number>, dims: number[]): string {
    const raw = Uint8Array.from({ length: data.length }, (_, i) => (data[i] ?? 0) & 0xff);
    this.initializers.push({ name, dims, dataType: DataType.INT8, rawData: raw });
    return name;
  }

  /** An int64 constant (shapes, axes, pads); returns its name. */
  int64s(name: string, values: number[], dims: number[] = [values.length]): string {
    this.initializers.push({ name, dims, dataType: DataType.INT64, int64Data: values });
    return name;
  }

  /** Adds a node; returns the name of its (first) output. */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    outputs?: string[],
  ): string {
    const index = this.counter++;
    const outs = outputs ?? [`${opType.toLowerCase()}_${index}`];
    this.nodes.push({
      name: `${opType}_${index}`,
      opType,
      input: inputs,
      output: outs,
      attribute: Object.entries(attributes).map(([name, value]) => attributeProto(name, value)),
    });
    return outs[0] ?? '';
  }

  encode(producerName = 'attest', producerVersion = '', graphName = 'graph'): Uint8Array {
    return encodeModelProto({
      irVersion: 8,
      opsetImport: [{ domain: '', version: this.opset }],
      producerName,
      producerVersion,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}
