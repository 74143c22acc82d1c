import { badInput } from '../errors.js';
import { mcnemarExact, welchTest, type McNemarResult, type WelchResult } from './significance.js';

/** One sample whose prediction changed between the parent and the model. */
export interface FlippedSample {
  /** Index of the sample in the dataset (for the UI to show its strip or image). */
  index: number;
  /** Its group (record, patient). */
  group: string;
  label: string;
  model: string;
  parent: string;
  /** Probability the model gives its own prediction, and the parent its own. */
  modelConfidence: number;
  parentConfidence: number;
}

export interface ClassChange {
  label: string;
  support: number;
  /** Mean recall over the parent population (one value when one parent) and over the model population. */
  parentRecall: number | null;
  modelRecall: number | null;
  change: number | null;
  /** The model and its own parent, sample by sample. */
  mcnemar: McNemarResult;
  /** Model population against parent population; null with fewer than two of either. */
  welch: WelchResult | null;
  /** p below 0.05 / classes (Bonferroni over the classes), from Welch where available, else McNemar. */
  significant: boolean;
}

export interface DisagreementResult {
  parentId: string;
  n: number;
  /** Fraction of samples whose predicted class differs. */
  disagreement: number;
  flippedCount: number;
  /** Right under the parent, wrong under the model; and the reverse. */
  lostCount: number;
  gainedCount: number;
  /** The flipped samples, lost ones first, at most `maxListed`. */
  flipped: FlippedSample[];
  perClass: ClassChange[];
  /** Models in each population: the model with its siblings (same parent and recipe, other seeds); the parents. */
  populations: { model: string[]; parent: string[] };
  /**
   * Pruning-identified exemplars (Hooker et al., 2019): samples whose most frequent prediction over the compressed
   * population differs from the most frequent over the parent population.
   */
  pies: {
    count: number;
    indices: number[];
    parentAccuracyOnPies: number | null;
    parentAccuracyElsewhere: number | null;
  };
}

export const MAX_LISTED_FLIPS = 500;

export interface PopulationPredictions {
  id: string;
  /** Row-major probabilities, n x classes. */
  probabilities: Float32Array;
}

function argMax(p: Float32Array, row: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if ((p[row * k + c] as number) > (p[row * k + best] as number)) best = c;
  return best;
}

function recalls(predicted: Int32Array, labels: ArrayLike<number>, k: number): (number | null)[] {
  const support = new Array<number>(k).fill(0);
  const right = new Array<number>(k).fill(0);
  for (let i = 0; i < predicted.length; i++) {
    const l = labels[i] as number;
    support[l] = (support[l] as number) + 1;
    if (predicted[i] === l) right[l] = (right[l] as number) + 1;
  }
  return support.map((s, c) => (s > 0 ? (right[c] as number) / s : null));
}

/** Most frequent class per sample over a population (ties go to the lower class index). */
function modal(predictions: Int32Array[], n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  const votes = new Array<number>(k);
  for (let i = 0; i < n; i++) {
    votes.fill(0);
    for (const p of predictions) votes[p[i] as number] = (votes[p[i] as number] as number) + 1;
    let best = 0;
    for (let c = 1; c < k; c++) if ((votes[c] as number) > (votes[best] as number)) best = c;
    out[i] = best;
  }
  return out;
}

const mean = (v: number[]): number | null => (v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : null);

/**
 * What changed between a model and its parent on the same samples: the flipped samples, per-class recall change
 * with McNemar's test (this pair) and Welch's test (populations of seeds, when there are several), and the
 * pruning-identified exemplars. The first entry of each population is the model, resp. its own parent.
 */
export function disagreement(o: {
  labels: ArrayLike<number>;
  classes: string[];
  sampleIndices: ArrayLike<number>;
  groupNames: string[];
  models: PopulationPredictions[];
  parents: PopulationPredictions[];
  maxListed?: number;
}): DisagreementResult {
  const k = o.classes.length;
  const n = o.labels.length;
  const model = o.models[0];
  const parent = o.parents[0];
  if (model === undefined || parent === undefined)
    throw badInput('disagreement needs a model and its parent');
  for (const p of [...o.models, ...o.parents])
    if (p.probabilities.length !== n * k)
      throw badInput(`predictions of ${p.id} do not cover the ${n} samples`);
  const predict = (p: PopulationPredictions) =>
    Int32Array.from({ length: n }, (_, i) => argMax(p.probabilities, i, k));
  const modelPredictions = o.models.map(predict);
  const parentPredictions = o.parents.map(predict);
  const ours = modelPredictions[0] as Int32Array;
  const theirs = parentPredictions[0] as Int32Array;
  const flipped: (FlippedSample & { lost: boolean })[] = [];
  let lostCount = 0;
  let gainedCount = 0;
  const lostBy = new Array<number>(k).fill(0);
  const gainedBy = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const label = o.labels[i] as number;
    const a = ours[i] as number;
    const b = theirs[i] as number;
    if (a === b) continue;
    const lost = b === label;
    const gained = a === label;
    if (lost) {
      lostCount++;
      lostBy[label] = (lostBy[label] as number) + 1;
    }
    if (gained) {
      gainedCount++;
      gainedBy[label] = (gainedBy[label] as number) + 1;
    }
    flipped.push({
      lost,
      index: o.sampleIndices[i] as number,
      group: o.groupNames[i] ?? '',
      label: o.classes[label] as string,
      model: o.classes[a] as string,
      parent: o.classes[b] as string,
      modelConfidence: model.probabilities[i * k + a] as number,
      parentConfidence: parent.probabilities[i * k + b] as number,
    });
  }
  flipped.sort((x, y) => Number(y.lost) - Number(x.lost));
  const modelRecalls = modelPredictions.map((p) => recalls(p, o.labels, k));
  const parentRecalls = parentPredictions.map((p) => recalls(p, o.labels, k));
  const support = recalls(theirs, o.labels, k).map(
    (_, c) => Array.from(o.labels).filter((l) => l === c).length,
  );
  const perClass: ClassChange[] = o.classes.map((label, c) => {
    const m = modelRecalls.map((r) => r[c]).filter((v): v is number => v !== null && v !== undefined);
    const p = parentRecalls.map((r) => r[c]).filter((v): v is number => v !== null && v !== undefined);
    const modelRecall = mean(m);
    const parentRecall = mean(p);
    const mcnemar = mcnemarExact(lostBy[c] as number, gainedBy[c] as number);
    const welch = welchTest(m, p);
    const pValue = welch?.pValue ?? mcnemar.pValue;
    return {
      label,
      support: support[c] as number,
      parentRecall,
      modelRecall,
      change: modelRecall !== null && parentRecall !== null ? modelRecall - parentRecall : null,
      mcnemar,
      welch,
      significant: (support[c] as number) > 0 && pValue < 0.05 / k,
    };
  });
  const modalModel = modal(modelPredictions, n, k);
  const modalParent = modal(parentPredictions, n, k);
  const pieIndices: number[] = [];
  let rightOnPies = 0;
  let rightElsewhere = 0;
  for (let i = 0; i < n; i++) {
    const right = modalParent[i] === o.labels[i];
    if (modalModel[i] !== modalParent[i]) {
      pieIndices.push(o.sampleIndices[i] as number);
      if (right) rightOnPies++;
    } else if (right) rightElsewhere++;
  }
  const maxListed = o.maxListed ?? MAX_LISTED_FLIPS;
  return {
    parentId: parent.id,
    n,
    disagreement: flipped.length / n,
    flippedCount: flipped.length,
    lostCount,
    gainedCount,
    flipped: flipped.slice(0, maxListed).map(({ lost: _lost, ...rest }) => rest),
    perClass,
    populations: { model: o.models.map((m) => m.id), parent: o.parents.map((p) => p.id) },
    pies: {
      count: pieIndices.length,
      indices: pieIndices.slice(0, maxListed),
      parentAccuracyOnPies: pieIndices.length > 0 ? rightOnPies / pieIndices.length : null,
      parentAccuracyElsewhere: n - pieIndices.length > 0 ? rightElsewhere / (n - pieIndices.length) : null,
    },
  };
}
