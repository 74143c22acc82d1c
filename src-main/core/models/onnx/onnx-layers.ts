import { tf, tfl } from '../../engine/tf.js';

/**
 * The few layers an ONNX graph needs that TF.js layers has no equivalent for. Each is differentiable (plain
 * tf ops), so gradients, attributions and fine-tuning work through them, and each is registered for
 * serialization, so a converted model stores and reloads like any other.
 */

type Shape = (number | null)[];

function firstInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
}

function broadcastShapes(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let k = 0; k < rank; k++) {
    // A missing leading axis broadcasts as 1; null (the batch) is a size, only unknown.
    const i = a.length - rank + k;
    const j = b.length - rank + k;
    const x = i < 0 ? 1 : (a[i] ?? null);
    const y = j < 0 ? 1 : (b[j] ?? null);
    out.push(x === 1 ? y : y === 1 ? x : x === null ? y : x);
  }
  return out;
}

/** Constant or reflect padding of the non-batch axes; the fill may be -Infinity (max pooling's padding). */
export class OnnxPad extends tfl.layers.Layer {
  static readonly className = 'OnnxPad';
  readonly paddings: [number, number][];
  readonly mode: 'constant' | 'reflect';
  /** null stands for -Infinity, which JSON cannot hold. */
  readonly fill: number | null;

  constructor(config: {
    paddings: [number, number][];
    mode?: 'constant' | 'reflect';
    fill?: number | null;
    name?: string;
  }) {
    super(config.name !== undefined ? { name: config.name } : {});
    this.paddings = config.paddings;
    this.mode = config.mode ?? 'constant';
    this.fill = config.fill === undefined ? 0 : config.fill;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return shape.map((d, k) => {
      if (k === 0 || d === null) return d;
      const [before, after] = this.paddings[k - 1] ?? [0, 0];
      return d + before + after;
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = firstInput(inputs);
    const paddings: [number, number][] = [[0, 0], ...this.paddings];
    if (this.mode === 'reflect') return tf.mirrorPad(x, paddings, 'reflect');
    return tf.pad(x, paddings, this.fill ?? Number.NEGATIVE_INFINITY);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), paddings: this.paddings, mode: this.mode, fill: this.fill };
  }
}

/** Clip to [min, max] (either bound may be absent: null). */
export class OnnxClip extends tfl.layers.Layer {
  static readonly className = 'OnnxClip';
  readonly min: number | null;
  readonly max: number | null;

  constructor(config: { min: number | null; max: number | null; name?: string }) {
    super(config.name !== undefined ? { name: config.name } : {});
    this.min = config.min;
    this.max = config.max;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = firstInput(inputs);
      if (this.min !== null) x = tf.maximum(x, this.min);
      if (this.max !== null) x = tf.minimum(x, this.max);
      return x;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), min: this.min, max: this.max };
  }
}

export type ConstantOp = 'add' | 'mul' | 'sub' | 'div' | 'rsub' | 'rdiv';

/**
 * x (op) c with a constant c of the graph held as a weight of the layer (broadcast over the batch), so that it
 * is stored with the other weights and fine-tuning may adjust it like a bias. rsub and rdiv: c - x and c / x.
 */
export class OnnxConstantOp extends tfl.layers.Layer {
  static readonly className = 'OnnxConstantOp';
  readonly op: ConstantOp;
  readonly constantShape: number[];
  private constant: tfl.LayerVariable | undefined;

  constructor(config: { op: ConstantOp; constantShape: number[]; name?: string }) {
    super(config.name !== undefined ? { name: config.name } : {});
    this.op = config.op;
    this.constantShape = config.constantShape;
  }

  override build(): void {
    this.constant = this.addWeight('constant', this.constantShape, 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const [batch, ...rest] = shape;
    return [batch ?? null, ...broadcastShapes(rest, this.constantShape)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = firstInput(inputs);
      const c = (this.constant as tfl.LayerVariable).read();
      switch (this.op) {
        case 'add':
          return tf.add(x, c);
        case 'mul':
          return tf.mul(x, c);
        case 'sub':
          return tf.sub(x, c);
        case 'div':
          return tf.div(x, c);
        case 'rsub':
          return tf.sub(c, x);
        default:
          return tf.div(c, x);
      }
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), op: this.op, constantShape: this.constantShape };
  }
}

export type BinaryOp = 'add' | 'mul' | 'sub' | 'div';

/** a (op) b of two computed tensors with numpy broadcasting (TF.js layers has add and multiply, no sub, div). */
export class OnnxBinary extends tfl.layers.Layer {
  static readonly className = 'OnnxBinary';
  readonly op: BinaryOp;

  constructor(config: { op: BinaryOp; name?: string }) {
    super(config.name !== undefined ? { name: config.name } : {});
    this.op = config.op;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [a, b] = inputShape as Shape[];
    return broadcastShapes(a ?? [], b ?? []);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    const x = a as tf.Tensor;
    const y = b as tf.Tensor;
    switch (this.op) {
      case 'add':
        return tf.add(x, y);
      case 'mul':
        return tf.mul(x, y);
      case 'sub':
        return tf.sub(x, y);
      default:
        return tf.div(x, y);
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), op: this.op };
  }
}

tf.serialization.registerClass(OnnxPad);
tf.serialization.registerClass(OnnxClip);
tf.serialization.registerClass(OnnxConstantOp);
tf.serialization.registerClass(OnnxBinary);
