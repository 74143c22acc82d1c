import { tf, type tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';
import { singleOutput } from '../predict/predict.js';

/**
 * Attribution for review: which input values drive the model's score for a class. Gradient saliency is the
 * gradient of log p(class) at the input; Integrated Gradients (Sundararajan et al., 2017) integrates the gradient
 * of p(class) along the straight path from a baseline (all zeros: in model input units, the average standardized
 * beat or the mean image) to the input, so that the attributions add up to p(input) - p(baseline).
 */
export interface Attribution {
  classIndex: number;
  probability: number;
  baselineProbability: number;
  saliency: Float32Array;
  integratedGradients: Float32Array;
  /** |sum of IG - (p(input) - p(baseline))|: the Riemann-sum error, small with enough steps. */
  completenessError: number;
}

export const DEFAULT_IG_STEPS = 64;

export function attribute(
  model: tfl.LayersModel,
  input: Float32Array,
  sampleShape: number[],
  classIndex: number,
  steps = DEFAULT_IG_STEPS,
): Attribution {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  if (input.length !== size)
    throw badInput(`an input of ${input.length} values does not have shape [${sampleShape.join(', ')}]`);
  if (!Number.isInteger(steps) || steps < 2 || steps > 2048)
    throw badInput(`IG steps must be an integer from 2 to 2048, got ${steps}`);
  const probabilityOf = (x: tf.Tensor): tf.Tensor =>
    tf.slice(singleOutput(model.apply(x, { training: false })), [0, classIndex], [-1, 1]);
  const computed = tf.tidy(() => {
    const x = tf.tensor(input, [1, ...sampleShape]);
    const classes = singleOutput(model.apply(x, { training: false })).shape[1] ?? 0;
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes)
      throw badInput(`class ${classIndex} is not an output of the model (0 to ${classes - 1})`);
    const saliency = tf.grad((t: tf.Tensor) => tf.sum(tf.log(tf.maximum(probabilityOf(t), 1e-30))))(x);
    // Trapezoid rule over steps + 1 points of the path, all in one batch.
    const alphas = tf.reshape(tf.linspace(0, 1, steps + 1), [steps + 1, ...sampleShape.map(() => 1)]);
    const path = tf.mul(alphas, x);
    const gradients = tf.grad((t: tf.Tensor) => tf.sum(probabilityOf(t)))(path);
    const weights = Float32Array.from(
      { length: steps + 1 },
      (_, k) => (k === 0 || k === steps ? 0.5 : 1) / steps,
    );
    const average = tf.sum(
      tf.mul(gradients, tf.reshape(tf.tensor(weights), [steps + 1, ...sampleShape.map(() => 1)])),
      0,
    );
    const ig = tf.mul(average, tf.reshape(x, sampleShape));
    const ends = probabilityOf(tf.concat([tf.zerosLike(x), x]));
    return [saliency, ig, ends];
  });
  try {
    const [saliency, ig, ends] = computed.map((t) => t.dataSync() as Float32Array);
    const integratedGradients = Float32Array.from(ig as Float32Array);
    const baselineProbability = (ends as Float32Array)[0] as number;
    const probability = (ends as Float32Array)[1] as number;
    const total = integratedGradients.reduce((a, b) => a + b, 0);
    return {
      classIndex,
      probability,
      baselineProbability,
      saliency: Float32Array.from(saliency as Float32Array),
      integratedGradients,
      completenessError: Math.abs(total - (probability - baselineProbability)),
    };
  } finally {
    computed.forEach((t) => t.dispose());
  }
}
