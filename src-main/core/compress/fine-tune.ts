import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';
import { throwIfCancelled } from '../jobs/job-context.js';
import { runGraph } from './graph.js';

/**
 * The fine-tuning loop of every compression recipe, written out (rather than model.fit) because its loss is
 * composed: class-weighted cross-entropy on the hard labels; knowledge distillation from a teacher (Hinton et
 * al. 2015: T^2 * KL between temperature-softened outputs, weight alpha); attention transfer between
 * intermediate feature maps (Zagoruyko & Komodakis 2017); adversarial training at an L-inf epsilon (FGSM or
 * PGD against the student), which with a teacher becomes adversarially robust distillation (Goldblum et al.
 * 2020: the student at the adversarial point matches the teacher at the clean one). Hooks run around each
 * optimizer step for the pruning schedule and quantization-aware training.
 */
export interface Distillation {
  teacher: tfl.LayersModel;
  temperature: number;
  alpha: number;
  /** Weight of the attention-transfer loss (0: none). */
  features: number;
  /** Layer names present in both models with the same spatial size, whose feature maps are matched. */
  featureLayers: string[];
}

export interface FineTuneHooks {
  beforeStep?(step: number): void;
  /** Between computing gradients and applying them (QAT restores the float shadow weights here). */
  beforeApply?(): void;
  afterStep?(step: number): void;
  /** Wraps each layer output during the training forward pass (QAT activation fake quantization). */
  onOutput?(layer: tfl.layers.Layer, output: tf.Tensor): tf.Tensor;
}

export interface FineTuneOptions {
  model: tfl.LayersModel;
  inputs: Float32Array;
  labels: ArrayLike<number>;
  sampleShape: number[];
  classes: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  signal: AbortSignal;
  classWeights?: number[];
  distillation?: Distillation;
  adversarial?: { epsilon: number; steps: number };
  hooks?: FineTuneHooks;
  onBatch?(epoch: number, fractionOfEpoch: number, loss: number): void;
}

export function stepsPerEpoch(samples: number, batchSize: number): number {
  return Math.ceil(samples / batchSize);
}

export async function fineTune(options: FineTuneOptions): Promise<{ steps: number; lastLoss: number }> {
  const { model, inputs, labels, sampleShape, classes, batchSize, signal } = options;
  const n = labels.length;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const batches = stepsPerEpoch(n, batchSize);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(options.learningRate);
  const weights = tf.tensor1d(options.classWeights ?? new Array<number>(classes).fill(1));
  let step = 0;
  let lastLoss = NaN;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = shuffledIndices(n, createRng(deriveSeed(options.seed, 'fine-tune-epoch', epoch)));
      for (let b = 0; b < batches; b++) {
        throwIfCancelled(signal);
        const rows = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const x = new Float32Array(rows.length * size);
        const y = new Int32Array(rows.length);
        rows.forEach((i, k) => {
          x.set(inputs.subarray(i * size, (i + 1) * size), k * size);
          y[k] = labels[i] as number;
        });
        options.hooks?.beforeStep?.(step);
        const loss = tf.tidy(() => {
          const xs = tf.tensor(x, [rows.length, ...sampleShape]);
          const ys = tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), classes), 'float32');
          const sampleWeights = tf.gather(weights, tf.tensor1d(y, 'int32'));
          // Adversarial points first, outside the gradient tape: their own gradient (through max-pooling's
          // gradient, which TF.js cannot differentiate again) must not become part of the weights' gradient.
          const xAdv = options.adversarial && adversarialBatch(options, xs, ys, sampleWeights);
          const { value, grads } = tf.variableGrads(
            () => compositeLoss(options, xs, ys, sampleWeights, xAdv) as tf.Scalar,
            variables,
          );
          options.hooks?.beforeApply?.();
          optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
          return value;
        });
        lastLoss = (await loss.data())[0] as number;
        loss.dispose();
        options.hooks?.afterStep?.(step);
        step++;
        options.onBatch?.(epoch, (b + 1) / batches, lastLoss);
        // Let the event loop breathe (progress output, Ctrl-C) between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    optimizer.dispose();
    weights.dispose();
  }
  return { steps: step, lastLoss };
}

const EPS = 1e-7;

/** The value, with no gradient flowing back through it (TF.js has no tf.stopGradient). */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return op(x) as tf.Tensor;
}

/** The batch's adversarial points: against the student's agreement with the teacher (ARD), or its loss. */
function adversarialBatch(options: FineTuneOptions, x: tf.Tensor, y: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const { model, distillation } = options;
  const adversarial = options.adversarial as { epsilon: number; steps: number };
  if (distillation !== undefined) {
    const target = plainForward(distillation.teacher, x);
    return adversarialPoint(x, adversarial, (input) =>
      softenedKl(target, plainForward(model, input), distillation.temperature),
    );
  }
  return adversarialPoint(x, adversarial, (input) => weightedCrossEntropy(plainForward(model, input), y, w));
}

function compositeLoss(
  options: FineTuneOptions,
  x: tf.Tensor,
  y: tf.Tensor,
  w: tf.Tensor,
  xAdv: tf.Tensor | undefined,
): tf.Tensor {
  const { model, distillation, hooks } = options;
  const features = new Map<string, tf.Tensor>();
  const wanted = new Set(distillation && distillation.features > 0 ? distillation.featureLayers : []);
  const studentForward = (input: tf.Tensor, record: boolean): tf.Tensor =>
    runGraph(model, input, {
      training: true,
      onOutput: (layer, output) => {
        const out = hooks?.onOutput ? hooks.onOutput(layer, output) : output;
        if (record && wanted.has(layer.name)) features.set(layer.name, out);
        return out;
      },
    });
  const probabilities = studentForward(x, true);
  const hard = weightedCrossEntropy(probabilities, y, w);
  if (distillation === undefined) {
    if (xAdv === undefined) return hard;
    // Half clean, half adversarial (Goodfellow et al. 2015), so that clean accuracy is not given away.
    return tf.mul(0.5, tf.add(hard, weightedCrossEntropy(studentForward(xAdv, false), y, w)));
  }
  const teacherFeatures = new Map<string, tf.Tensor>();
  // The teacher's weights are not among the variables differentiated: its outputs are constants here.
  const target = runGraph(distillation.teacher, x, {
    training: false,
    onOutput: (layer, output) => {
      if (wanted.has(layer.name)) teacherFeatures.set(layer.name, output);
      return output;
    },
  });
  // Robust distillation: the student at the adversarial point must agree with the teacher at the clean one.
  const studentForSoft = xAdv === undefined ? probabilities : studentForward(xAdv, false);
  let total = tf.add(
    tf.mul(1 - distillation.alpha, hard),
    tf.mul(distillation.alpha, softenedKl(target, studentForSoft, distillation.temperature)),
  );
  if (distillation.features > 0 && features.size > 0) {
    const terms = [...features.entries()].map(([name, student]) =>
      attentionTransfer(student, teacherFeatures.get(name) as tf.Tensor),
    );
    total = tf.add(total, tf.mul(distillation.features, tf.addN(terms)));
  }
  return total;
}

function plainForward(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor {
  return runGraph(model, x, { training: false });
}

export function weightedCrossEntropy(probabilities: tf.Tensor, y: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const perSample = tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(probabilities, EPS, 1))), -1));
  return tf.div(tf.sum(tf.mul(perSample, w)), tf.maximum(tf.sum(w), EPS));
}

/**
 * T^2 * KL(teacher_T || student_T), where p_T = softmax(log p / T): the models end in softmax, and dividing the
 * log-probabilities by T softens exactly as dividing the logits would (the normalizer cancels).
 */
export function softenedKl(teacher: tf.Tensor, student: tf.Tensor, temperature: number): tf.Tensor {
  const logT = tf.logSoftmax(tf.div(tf.log(tf.clipByValue(teacher, EPS, 1)), temperature));
  const logS = tf.logSoftmax(tf.div(tf.log(tf.clipByValue(student, EPS, 1)), temperature));
  const kl = tf.sum(tf.mul(tf.exp(logT), tf.sub(logT, logS)), -1);
  return tf.mul(temperature * temperature, tf.mean(kl));
}

/** Attention transfer: the channel-mean of squared activations, L2-normalized per sample, matched in L2. */
export function attentionTransfer(student: tf.Tensor, teacher: tf.Tensor): tf.Tensor {
  const map = (f: tf.Tensor): tf.Tensor => {
    const a = tf.reshape(tf.mean(tf.square(f), -1), [f.shape[0] as number, -1]);
    return tf.div(a, tf.add(tf.norm(a, 'euclidean', -1, true), EPS));
  };
  return tf.mean(tf.sum(tf.square(tf.sub(map(student), stopGradient(map(teacher)))), -1));
}

/** FGSM (one step) or PGD (several steps of 2.5 eps / steps, projected back into the L-inf ball). */
export function adversarialPoint(
  x: tf.Tensor,
  adversarial: { epsilon: number; steps: number },
  lossOf: (input: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const { epsilon, steps } = adversarial;
  const stepSize = steps === 1 ? epsilon : (2.5 * epsilon) / steps;
  let xAdv = x;
  for (let i = 0; i < steps; i++) {
    const gradient = tf.grad((input: tf.Tensor) => lossOf(input) as tf.Scalar)(xAdv);
    const moved = tf.add(xAdv, tf.mul(stepSize, tf.sign(gradient)));
    xAdv = tf.add(x, tf.clipByValue(tf.sub(moved, x), -epsilon, epsilon));
  }
  // The adversarial point is data, not a function of the weights.
  return stopGradient(xAdv);
}
