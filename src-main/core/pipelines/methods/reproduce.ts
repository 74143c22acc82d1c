import { tf } from '../../engine/tf.js';
import { createRng, gaussian } from '../../engine/seed.js';
import { badInput } from '../../errors.js';
import { matrix, multiply, type Matrix } from '../../compress/svd.js';
import { lpFactors, subspaceFactors, subspaceRank, svdFactors } from '../../compress/low-rank.js';
import { fitEpochs } from '../../train/fit-epochs.js';
import { distillOnReference } from '../../train/reference-distillation.js';
import { batchHardening } from '../../validate/batch-hardening.js';
import { parseHardening } from '../../train/adversarial-hardening.js';
import { calibrateSprt, detectionFigures, labelChanges } from '../../validate/mutation-detection.js';
import { lossThresholdAttack, sampleLosses } from '../../validate/membership.js';
import { pgdPerturb } from '../../validate/pgd.js';
import { fgsmPerturb } from '../../validate/fgsm.js';
import { predictClasses, predictProbabilities } from '../../predict/predict.js';
import {
  denseClassifier,
  disposeModel,
  fitDense,
  prototypeTask,
  TASK_CLASSES,
  TASK_LENGTH,
} from '../../methods/seeded-tasks.js';
import { mitbihBeats, splitByRecord, type MitbihBeats } from '../../methods/mitbih-beats.js';

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
  /** The same measurement on MIT-BIH beats (`--data mitbih`), for the methods that have one. */
  runMitbih?(seed: number, beats: MitbihBeats): Promise<MethodRun>;
}

/** Where a reproduction runs: the seeded synthetic task, or beats of MIT-BIH records. */
export const REPRODUCTION_DATA = ['synthetic', 'mitbih'] as const;
export type ReproductionData = (typeof REPRODUCTION_DATA)[number];

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

/** The beats at `indices`, in that order. */
function subset(beats: MitbihBeats, indices: number[]): { inputs: Float32Array; labels: Int32Array } {
  const inputs = new Float32Array(indices.length * beats.length);
  indices.forEach((i, k) =>
    inputs.set(beats.inputs.subarray(i * beats.length, (i + 1) * beats.length), k * beats.length),
  );
  return { inputs, labels: Int32Array.from(indices, (i) => beats.labels[i] as number) };
}

/**
 * nMutant on a trained model and fresh inputs: 200 correctly classified inputs as normals (half calibrate the
 * sequential test to its 5% false-positive design point, half measure it), PGD examples of up to 120 others at
 * rising epsilons (the smallest that fools the model kept), and the AUC of the label change rate.
 */
function nmutantEffect(
  model: Parameters<typeof predictClasses>[0],
  fresh: { inputs: Float32Array; labels: Int32Array },
  shape: { length: number; classes: number },
  seed: number,
  epsilons: number[],
): MethodRun {
  const length = shape.length;
  const sampleShape = [length, 1];
  const predicted = predictClasses(model, fresh.inputs, sampleShape);
  const right = Array.from(predicted.keys()).filter((i) => predicted[i] === fresh.labels[i]);
  const pick = (indices: number[], from: Float32Array) => {
    const out = new Float32Array(indices.length * length);
    indices.forEach((i, k) => out.set(from.subarray(i * length, (i + 1) * length), k * length));
    return out;
  };
  // Spread over the correctly classified inputs, so that the normals are not all from one record.
  const spread = right.filter((_, k) => k % Math.max(1, Math.floor(right.length / 320)) === 0);
  const normals = spread.slice(0, 200);
  const victims = spread.slice(200, 320);
  const victimLabels = Int32Array.from(victims, (i) => fresh.labels[i] as number);
  const attacked = new Float32Array(victims.length * length);
  const done = new Uint8Array(victims.length);
  for (const epsilon of epsilons) {
    const candidate = pgdPerturb({
      model,
      inputs: pick(victims, fresh.inputs),
      sampleShape,
      labels: victimLabels,
      classes: shape.classes,
      epsilon,
      seed,
    });
    predictClasses(model, candidate, sampleShape).forEach((p, k) => {
      if (done[k] === 0 && p !== victimLabels[k]) {
        done[k] = 1;
        attacked.set(candidate.subarray(k * length, (k + 1) * length), k * length);
      }
    });
  }
  const fooled = Array.from(done.keys()).filter((k) => done[k] === 1);
  const inputs = new Float32Array([...pick(normals, fresh.inputs), ...pick(fooled, attacked)]);
  const half = Math.floor(normals.length / 2);
  const { changed } = labelChanges(model, inputs, sampleShape, half, {
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
    epsilons.at(-1) ?? 0,
    outcomes(half, normals.length - half),
    outcomes(normals.length, fooled.length),
    calibration.sprt,
  );
  return {
    effect: (figures.auc ?? 0.5) - 0.5,
    detail: {
      normals: normals.length,
      adversarial: fooled.length,
      falsePositiveRate: figures.falsePositiveRate,
      detectionRate: figures.detectionRate,
    },
  };
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
        return nmutantEffect(
          model,
          fresh,
          { length: TASK_LENGTH, classes: TASK_CLASSES },
          seed,
          [0.3, 0.45, 0.6, 0.75, 0.9],
        );
      } finally {
        disposeModel(model);
      }
    },
    async runMitbih(seed, beats) {
      // Trained on half of the records, judged on beats of the other patients (inter-patient, as deployed).
      const { train, test } = splitByRecord(beats, seed);
      const shape = { length: beats.length, classes: beats.classes };
      const model = denseClassifier(32, seed, 0.003, shape);
      try {
        await fitDense(model, subset(beats, train), 10, shape);
        return nmutantEffect(model, subset(beats, test), shape, seed, [0.05, 0.1, 0.2, 0.3, 0.5]);
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

/** The methods with a MIT-BIH measurement. */
export const MITBIH_METHODS = Object.keys(METHODS).filter((m) => METHODS[m]?.runMitbih !== undefined);

export async function reproduceMethods(o: {
  methods?: string[];
  seeds: number;
  data?: ReproductionData;
  onProgress?(message: string): void;
}): Promise<MethodReproduction[]> {
  const data = o.data ?? 'synthetic';
  const names = o.methods ?? (data === 'mitbih' ? MITBIH_METHODS : Object.keys(METHODS));
  for (const name of names)
    if (METHODS[name] === undefined)
      throw badInput(`unknown method "${name}": one of ${Object.keys(METHODS).join(', ')}`);
  if (!Number.isInteger(o.seeds) || o.seeds < 1 || o.seeds > 50) throw badInput('--seeds must be 1 to 50');
  const notOnMitbih = names.filter((m) => METHODS[m]?.runMitbih === undefined);
  if (data === 'mitbih' && notOnMitbih.length > 0)
    throw badInput(
      `--data mitbih measures ${MITBIH_METHODS.join(', ')}; ${notOnMitbih.join(', ')} ${notOnMitbih.length === 1 ? 'is' : 'are'} reproduced on the synthetic task only (their MIT-BIH figures are in the README)`,
    );
  const beats = data === 'mitbih' ? mitbihBeats() : undefined;
  const out: MethodReproduction[] = [];
  for (const name of names) {
    const spec = METHODS[name] as MethodSpec;
    const started = Date.now();
    const seeds = Array.from({ length: o.seeds }, (_, k) => k + 1);
    const runs: MethodRun[] = [];
    for (const seed of seeds) {
      o.onProgress?.(`${name}: seed ${seed} of ${o.seeds}`);
      const tensors = tf.memory().numTensors;
      runs.push(
        beats !== undefined && spec.runMitbih !== undefined
          ? await spec.runMitbih(seed, beats)
          : await spec.run(seed),
      );
      if (tf.memory().numTensors > tensors)
        o.onProgress?.(`${name}: ${tf.memory().numTensors - tensors} tensors left`);
    }
    const effects = runs.map((r) => r.effect);
    out.push({
      method: name,
      paper: spec.paper,
      claim: spec.claim,
      effect: spec.effect,
      task:
        beats !== undefined
          ? `MIT-BIH beats of ${beats.records.length} records from ${beats.source} (at most 400 per record, standardized per beat), a dense classifier trained on half of the records per seed and judged on the others`
          : 'seeded synthetic task (see core/methods/seeded-tasks.ts), not patient data',
      seeds,
      effects,
      ...summarize(effects),
      details: runs.map((r) => r.detail),
      seconds: (Date.now() - started) / 1000,
    });
  }
  return out;
}
