import { tf } from '../engine/tf.js';
import { createRng, gaussian } from '../engine/seed.js';
import { badInput } from '../errors.js';
import { matrix, multiply, type Matrix } from '../compress/svd.js';
import { lpFactors, subspaceFactors, subspaceRank, svdFactors } from '../compress/low-rank.js';
import { fitEpochs } from '../train/fit-epochs.js';
import { distillOnReference } from '../train/reference-distillation.js';
import { batchHardening } from '../validate/batch-hardening.js';
import { parseHardening } from '../train/adversarial-hardening.js';
import { calibrateSprt, detectionFigures, labelChanges } from '../validate/mutation-detection.js';
import { lossThresholdAttack, sampleLosses } from '../validate/membership.js';
import { pgdPerturb } from '../validate/pgd.js';
import { fgsmPerturb } from '../validate/fgsm.js';
import { predictClasses, predictProbabilities } from '../validate/predict.js';
import {
  denseClassifier,
  disposeModel,
  fitDense,
  prototypeTask,
  TASK_CLASSES,
  TASK_LENGTH,
} from './seeded-tasks.js';

/**
 * `attest methods reproduce`: each research method's claim beside the effect measured over seeds on a small
 * seeded task, with the mean, a 95% interval (Student t) and a plain verdict: shown (the interval lies on the
 * claim's side of zero), not shown (on the other side), inconclusive (it straddles zero, or one seed only).
 */

export interface MethodRun {
  /** The effect in the direction of the claim: positive means the claim holds on this seed. */
  effect: number;
  /** Other figures of the seed, named. */
  detail: Record<string, number | null>;
}

interface MethodSpec {
  paper: string;
  claim: string;
  effect: string;
  run(seed: number): Promise<MethodRun>;
}

const SHAPE = [TASK_LENGTH, 1];

function lpError(w: Matrix, approx: Matrix, p: number): number {
  let total = 0;
  for (let j = 0; j < w.cols; j++) {
    let sum = 0;
    for (let i = 0; i < w.rows; i++)
      sum += ((w.data[i * w.cols + j] as number) - (approx.data[i * w.cols + j] as number)) ** 2;
    total += Math.sqrt(sum) ** p;
  }
  return total;
}

/** Neurons in four 3-dimensional subspaces of R^20 and six outlying neurons ten times their norm. */
function neuronsWithOutliers(seed: number): Matrix {
  const rng = createRng(seed);
  const normal = () => gaussian(rng);
  const rows = 20;
  const columns: number[][] = [];
  for (let g = 0; g < 4; g++) {
    const basis = Array.from({ length: 3 }, () => Array.from({ length: rows }, normal));
    for (let k = 0; k < 30; k++) {
      const c = [normal(), normal(), normal()];
      columns.push(
        Array.from(
          { length: rows },
          (_, i) => c.reduce((s, ck, t) => s + ck * (basis[t]?.[i] as number), 0) + 0.01 * normal(),
        ),
      );
    }
  }
  for (let k = 0; k < 6; k++) columns.push(Array.from({ length: rows }, () => 10 * normal()));
  const cols = columns.length;
  return matrix(
    rows,
    cols,
    Array.from({ length: rows * cols }, (_, x) => columns[x % cols]?.[Math.floor(x / cols)] as number),
  );
}

function accuracyOf(
  model: Parameters<typeof predictClasses>[0],
  task: { inputs: Float32Array; labels: Int32Array },
) {
  const predicted = predictClasses(model, task.inputs, SHAPE);
  return predicted.filter((p, i) => p === task.labels[i]).length / task.labels.length;
}

export const METHODS: Record<string, MethodSpec> = {
  'lowrank-lp': {
    paper: 'Tukan et al. 2021, robust SVD for compressing deep networks',
    claim: 'at equal parameter count and without fine-tuning, the l_p fit in several subspaces beats the SVD',
    effect: "share of the SVD's l_1 error removed by 4 l_1 subspaces (neurons with outliers)",
    async run(seed) {
      const w = neuronsWithOutliers(seed);
      const rank = subspaceRank(6, w.rows, w.cols, 4);
      const svd = svdFactors(w, 6);
      const several = subspaceFactors(w, 4, rank, 1, seed);
      const one = lpFactors(w, 6, 1);
      const svdError = lpError(w, multiply(svd.first, svd.second), 1);
      const severalError = lpError(w, multiply(several.first, several.second), 1);
      const oneError = lpError(w, multiply(one.first, one.second), 1);
      return {
        effect: 1 - severalError / svdError,
        detail: { svdL1Error: svdError, severalL1Error: severalError, oneSubspaceL1Error: oneError },
      };
    },
  },
  nmutant: {
    paper: 'Wang et al. 2019, adversarial sample detection by model mutation testing',
    claim: 'the label change rate under mutants separates adversarial inputs from normal ones',
    effect: 'AUC of the label change rate, PGD examples against normal inputs, minus 0.5',
    async run(seed) {
      const model = denseClassifier(32, seed);
      try {
        await fitDense(model, prototypeTask(600, seed, 0.6), 15);
        const fresh = prototypeTask(400, seed + 1000, 0.6);
        const predicted = predictClasses(model, fresh.inputs, SHAPE);
        const right = Array.from(predicted.keys()).filter((i) => predicted[i] === fresh.labels[i]);
        const pick = (indices: number[], from: Float32Array) => {
          const out = new Float32Array(indices.length * TASK_LENGTH);
          indices.forEach((i, k) =>
            out.set(from.subarray(i * TASK_LENGTH, (i + 1) * TASK_LENGTH), k * TASK_LENGTH),
          );
          return out;
        };
        const normals = right.slice(0, 200);
        const victims = right.slice(200, 320);
        const victimLabels = Int32Array.from(victims, (i) => fresh.labels[i] as number);
        const attacked = new Float32Array(victims.length * TASK_LENGTH);
        const done = new Uint8Array(victims.length);
        for (const epsilon of [0.3, 0.45, 0.6, 0.75, 0.9]) {
          const candidate = pgdPerturb({
            model,
            inputs: pick(victims, fresh.inputs),
            sampleShape: SHAPE,
            labels: victimLabels,
            classes: TASK_CLASSES,
            epsilon,
            seed,
          });
          predictClasses(model, candidate, SHAPE).forEach((p, k) => {
            if (done[k] === 0 && p !== victimLabels[k]) {
              done[k] = 1;
              attacked.set(candidate.subarray(k * TASK_LENGTH, (k + 1) * TASK_LENGTH), k * TASK_LENGTH);
            }
          });
        }
        const fooled = Array.from(done.keys()).filter((k) => done[k] === 1);
        const inputs = new Float32Array([...pick(normals, fresh.inputs), ...pick(fooled, attacked)]);
        const half = Math.floor(normals.length / 2);
        const { changed } = labelChanges(model, inputs, SHAPE, half, {
          mutants: 30,
          rate: 0.1,
          scale: 1,
          minAgreement: 0.8,
          seed,
        });
        const outcomes = (from: number, count: number) =>
          Array.from({ length: count }, (_, k) => Uint8Array.from(changed, (c) => c[from + k] as number));
        const calibration = calibrateSprt(outcomes(0, half), changed.length);
        const figures = detectionFigures(
          'pgd-linf',
          0.9,
          outcomes(half, normals.length - half),
          outcomes(normals.length, fooled.length),
          calibration.sprt,
        );
        return {
          effect: (figures.auc ?? 0.5) - 0.5,
          detail: {
            adversarial: fooled.length,
            falsePositiveRate: figures.falsePositiveRate,
            detectionRate: figures.detectionRate,
          },
        };
      } finally {
        disposeModel(model);
      }
    },
  },
  'diversity-training': {
    paper: 'Kwon & Lee 2021, diversity adversarial training',
    claim: 'training on a mix of attack types is more robust than training on a single attack',
    effect:
      'mean accuracy under FGSM, PGD L-inf and PGD L2 (epsilon 0.7) after diversity training minus after PGD-only training',
    async run(seed) {
      const task = prototypeTask(400, seed, 0.8);
      const robust = async (kind: 'pgd' | 'diverse') => {
        const model = denseClassifier(32, seed, 0.003);
        try {
          const hardening = batchHardening({
            model,
            sampleShape: SHAPE,
            classes: TASK_CLASSES,
            hardening: parseHardening(`${kind}:0.7:0.5`),
            seed,
          });
          await fitEpochs({
            model,
            inputs: task.inputs,
            labels: task.labels,
            sampleShape: SHAPE,
            classes: TASK_CLASSES,
            epochs: 30,
            batchSize: 32,
            seed,
            signal: new AbortController().signal,
            perturbBatch: (x, y, epoch, batch) => void hardening.perturbBatch(x, y, epoch, batch),
          });
          const test = prototypeTask(300, seed + 1000, 0.8);
          const common = {
            model,
            inputs: test.inputs,
            sampleShape: SHAPE,
            labels: test.labels,
            classes: TASK_CLASSES,
          };
          const under = (inputs: Float32Array) => accuracyOf(model, { inputs, labels: test.labels });
          // The claim is robustness across attacks: each of the three, at comparable strength.
          const attacks = {
            fgsm: under(fgsmPerturb({ ...common, epsilon: 0.7 })),
            pgdLinf: under(pgdPerturb({ ...common, epsilon: 0.7, seed })),
            pgdL2: under(
              pgdPerturb({
                ...common,
                epsilon: 0.7 * Math.sqrt(TASK_LENGTH / 3),
                seed,
                settings: { norm: 'L2' },
              }),
            ),
          };
          const mean = (attacks.fgsm + attacks.pgdLinf + attacks.pgdL2) / 3;
          return { clean: accuracyOf(model, test), attacked: mean, ...attacks };
        } finally {
          disposeModel(model);
        }
      };
      const single = await robust('pgd');
      const diverse = await robust('diverse');
      return {
        effect: diverse.attacked - single.attacked,
        detail: {
          pgdTrainedMeanUnderAttacks: single.attacked,
          diverseTrainedMeanUnderAttacks: diverse.attacked,
          pgdTrainedUnderFgsm: single.fgsm,
          diverseTrainedUnderFgsm: diverse.fgsm,
          pgdTrainedUnderPgdLinf: single.pgdLinf,
          diverseTrainedUnderPgdLinf: diverse.pgdLinf,
          pgdTrainedUnderPgdL2: single.pgdL2,
          diverseTrainedUnderPgdL2: diverse.pgdL2,
          pgdTrainedClean: single.clean,
          diverseTrainedClean: diverse.clean,
        },
      };
    },
  },
  'membership-defense': {
    paper: 'Shejwalkar & Houmansadr 2021, distillation for membership privacy (DMP)',
    claim: 'lower membership-inference advantage at a small accuracy cost',
    effect: "the loss-threshold attack's advantage on a memorising model minus on its DMP student",
    async run(seed) {
      const members = prototypeTask(40, seed, 3);
      const nonMembers = prototypeTask(40, seed + 1000, 3);
      const reference = prototypeTask(400, seed + 2000, 3);
      const test = prototypeTask(600, seed + 3000, 3);
      const teacher = denseClassifier(64, seed);
      const student = denseClassifier(64, seed + 7);
      try {
        await fitDense(teacher, members, 200);
        await distillOnReference({
          teacher,
          student,
          reference: reference.inputs,
          sampleShape: SHAPE,
          classes: TASK_CLASSES,
          epochs: 60,
          batchSize: 32,
          seed,
          signal: new AbortController().signal,
        });
        const advantage = (model: typeof teacher) => {
          const losses = (t: { inputs: Float32Array; labels: Int32Array }) =>
            sampleLosses(predictProbabilities(model, t.inputs, SHAPE).probabilities, t.labels, TASK_CLASSES);
          return lossThresholdAttack(losses(members), losses(nonMembers)).advantage;
        };
        const before = advantage(teacher);
        const after = advantage(student);
        return {
          effect: before - after,
          detail: {
            advantageBefore: before,
            advantageAfter: after,
            accuracyBefore: accuracyOf(teacher, test),
            accuracyAfter: accuracyOf(student, test),
          },
        };
      } finally {
        disposeModel(teacher);
        disposeModel(student);
      }
    },
  },
};

/** Student t quantile (two-sided 95%) for n - 1 degrees of freedom. */
function tQuantile(degrees: number): number {
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
  return table[degrees - 1] ?? (degrees < 30 ? 2.1 : 1.96);
}

export type Verdict = 'shown' | 'not shown' | 'inconclusive';

export interface MethodReproduction {
  method: string;
  paper: string;
  claim: string;
  effect: string;
  task: string;
  seeds: number[];
  effects: number[];
  mean: number;
  /** 95% interval of the mean effect; null with one seed. */
  interval: [number, number] | null;
  verdict: Verdict;
  details: Record<string, number | null>[];
  seconds: number;
}

export function summarize(effects: number[]): {
  mean: number;
  interval: [number, number] | null;
  verdict: Verdict;
} {
  const n = effects.length;
  const mean = effects.reduce((a, b) => a + b, 0) / Math.max(1, n);
  if (n < 2) return { mean, interval: null, verdict: 'inconclusive' };
  const sd = Math.sqrt(effects.reduce((a, e) => a + (e - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile(n - 1) * sd) / Math.sqrt(n);
  const interval: [number, number] = [mean - half, mean + half];
  const verdict: Verdict = interval[0] > 0 ? 'shown' : interval[1] < 0 ? 'not shown' : 'inconclusive';
  return { mean, interval, verdict };
}

export async function reproduceMethods(o: {
  methods?: string[];
  seeds: number;
  onProgress?(message: string): void;
}): Promise<MethodReproduction[]> {
  const names = o.methods ?? Object.keys(METHODS);
  for (const name of names)
    if (METHODS[name] === undefined)
      throw badInput(`unknown method "${name}": one of ${Object.keys(METHODS).join(', ')}`);
  if (!Number.isInteger(o.seeds) || o.seeds < 1 || o.seeds > 50) throw badInput('--seeds must be 1 to 50');
  const out: MethodReproduction[] = [];
  for (const name of names) {
    const spec = METHODS[name] as MethodSpec;
    const started = Date.now();
    const seeds = Array.from({ length: o.seeds }, (_, k) => k + 1);
    const runs: MethodRun[] = [];
    for (const seed of seeds) {
      o.onProgress?.(`${name}: seed ${seed} of ${o.seeds}`);
      const tensors = tf.memory().numTensors;
      runs.push(await spec.run(seed));
      if (tf.memory().numTensors > tensors)
        o.onProgress?.(`${name}: ${tf.memory().numTensors - tensors} tensors left`);
    }
    const effects = runs.map((r) => r.effect);
    out.push({
      method: name,
      paper: spec.paper,
      claim: spec.claim,
      effect: spec.effect,
      task: 'seeded synthetic task (see core/methods/seeded-tasks.ts), not patient data',
      seeds,
      effects,
      ...summarize(effects),
      details: runs.map((r) => r.detail),
      seconds: (Date.now() - started) / 1000,
    });
  }
  return out;
}
