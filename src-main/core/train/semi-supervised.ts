import { tf, type tfl } from '../engine/tf.js';
import { deriveSeed } from '../engine/seed.js';
import { badInput } from '../errors.js';
import type { ConsistencyTerm } from './replica-protocol.js';

/**
 * Semi-supervised training: labelled samples give the usual cross-entropy, every sample (labelled or not) a
 * consistency term computed on the main thread for the whole batch:
 * - mean-teacher (Tarvainen & Valpola 2017): squared error between the student's probabilities on one noisy copy
 *   and those of the teacher, an exponential moving average of the student, on another;
 * - vat (Miyato et al. 2018): KL from the student's clean prediction to its prediction at the virtual
 *   adversarial point x + r_adv, r_adv of L2 norm epsilon found by one power iteration;
 * - ema-vat: VAT whose target and adversarial direction come from the moving-average teacher.
 * The consistency weight ramps up as exp(-5 (1 - t)^2) over the first `rampSteps` steps (Laine & Aila 2017).
 */
export type SemiMethod = 'mean-teacher' | 'vat' | 'ema-vat';

export interface SemiConfig {
  method: SemiMethod;
  weight: number;
  /** Standard deviation of the input noise (mean teacher), in model-input units. */
  sigma: number;
  /** L2 radius of the virtual adversarial perturbation per sample (VAT), in model-input units. */
  epsilon: number;
  /** Moving-average decay of the teacher. */
  decay: number;
  rampSteps: number;
}

export const SEMI_SYNTAX = 'mean-teacher[:WEIGHT] | vat[:EPSILON[:WEIGHT]] | ema-vat[:EPSILON[:WEIGHT]]';

export function parseSemi(text: string): SemiConfig {
  const [method = '', a, b] = text.split(':');
  const number = (value: string | undefined, fallback: number, what: string, max: number) => {
    const v = value === undefined ? fallback : Number(value);
    if (!(v > 0 && v <= max)) throw badInput(`--semi "${text}": ${what} must be above 0 and at most ${max}`);
    return v;
  };
  const base = { sigma: 0.1, decay: 0.99, rampSteps: 200 };
  if (method === 'mean-teacher')
    return { method, weight: number(a, 10, 'WEIGHT', 1000), epsilon: 1, ...base };
  if (method === 'vat' || method === 'ema-vat')
    return { method, epsilon: number(a, 1, 'EPSILON', 100), weight: number(b, 1, 'WEIGHT', 1000), ...base };
  throw badInput(`--semi "${text}": unknown method; the forms are ${SEMI_SYNTAX}`);
}

/** Per-sample L2 normalization of a [n, ...] tensor. */
function normalized(t: tf.Tensor): tf.Tensor {
  const n = t.shape[0] as number;
  const flat = tf.reshape(t, [n, -1]);
  const norm = tf.add(tf.sqrt(tf.sum(tf.square(flat), 1, true)), 1e-12);
  return tf.reshape(tf.div(flat, norm), t.shape);
}

export interface SemiHooks {
  consistencyOf(x: Float32Array, count: number, batch: number): ConsistencyTerm;
  afterStep(): void;
  dispose(): void;
}

/** The consistency term and teacher upkeep for `student`; `teacher` is a model of the same architecture. */
export function semiSupervisedHooks(
  student: tfl.LayersModel,
  teacher: tfl.LayersModel,
  sampleShape: number[],
  config: SemiConfig,
  seed: number,
): SemiHooks {
  const copy = () => {
    const weights = student.getWeights();
    teacher.setWeights(weights);
  };
  copy();
  let step = 0;
  const probabilities = (model: tfl.LayersModel, x: tf.Tensor) =>
    model.apply(x, { training: false }) as tf.Tensor;
  return {
    consistencyOf(values, count, batch) {
      const ramp = Math.exp(-5 * (1 - Math.min(1, step / config.rampSteps)) ** 2);
      const s = deriveSeed(seed, 'semi', step, batch);
      const [inputs, targets] = tf.tidy(() => {
        const x = tf.tensor(values, [count, ...sampleShape]);
        if (config.method === 'mean-teacher') {
          const studentView = tf.add(x, tf.randomNormal(x.shape, 0, config.sigma, 'float32', s));
          const teacherView = tf.add(x, tf.randomNormal(x.shape, 0, config.sigma, 'float32', s + 1));
          return [studentView, probabilities(teacher, teacherView)];
        }
        const source = config.method === 'vat' ? student : teacher;
        const clean = probabilities(source, x);
        // One power iteration: the direction in which the prediction changes fastest.
        const d = tf.mul(normalized(tf.randomNormal(x.shape, 0, 1, 'float32', s)), 1e-1);
        const gradient = tf.grad((r: tf.Tensor) => {
          const q = tf.clipByValue(probabilities(source, tf.add(x, r)), 1e-7, 1);
          return tf.sum(tf.mul(clean, tf.sub(tf.log(tf.clipByValue(clean, 1e-7, 1)), tf.log(q))));
        })(d);
        return [tf.add(x, tf.mul(normalized(gradient), config.epsilon)), clean];
      });
      const term: ConsistencyTerm = {
        inputs: inputs.dataSync() as Float32Array,
        targets: targets.dataSync() as Float32Array,
        kind: config.method === 'mean-teacher' ? 'mse' : 'kl',
        weight: config.weight * ramp,
      };
      inputs.dispose();
      targets.dispose();
      return term;
    },
    afterStep() {
      step++;
      if (config.method === 'vat') return;
      // teacher = decay * teacher + (1 - decay) * student, weight by weight.
      tf.tidy(() => {
        teacher.weights.forEach((w, k) => {
          const s = student.weights[k]?.read();
          if (s === undefined) return;
          (w.read() as tf.Variable).assign(
            tf.add(tf.mul(w.read(), config.decay), tf.mul(s, 1 - config.decay)),
          );
        });
      });
    },
    dispose() {
      teacher.dispose();
    },
  };
}
