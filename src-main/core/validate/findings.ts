import type { ClassificationMetrics } from '../metrics/metrics.js';
import type { RocResult } from './roc.js';
import type { CalibrationResult } from './clean-suites.js';
import { mcnemarExact } from './significance.js';

/**
 * Automatic findings on a validation: what a reviewer must know before relying on the figures, each with a
 * severity and one sentence a non-programmer understands. They are computed on every validation from the
 * model's decisions on the split, whatever suites ran, and stored with it (so a signature binds them).
 */
export type FindingSeverity = 'critical' | 'warning' | 'note';

export interface Finding {
  /** Stable identifier, e.g. 'class-never-predicted'. */
  code: string;
  severity: FindingSeverity;
  message: string;
  /** The class concerned, when there is one. */
  class?: string;
}

/** Paired correctness against the reference model on the same samples under the same decision rule. */
export interface ReferenceComparison {
  referenceId: string;
  /** Why this model is compared with it: a compressed child with its parent, an imported model with its reference. */
  relation: string;
  reference: ClassificationMetrics;
  /** Samples right under the reference and wrong under this model, and the reverse. */
  lost: number;
  gained: number;
  perClass: Record<string, { lost: number; gained: number }>;
}

export interface FindingInputs {
  /** This model's figures at the validation's decision rule. */
  metrics: ClassificationMetrics;
  roc?: RocResult | undefined;
  calibration?: CalibrationResult | undefined;
  /** The robustness suites that ran (attacks, noise, corruptions): their curves mean nothing for a one-class model. */
  robustnessSuites: string[];
  /** Test records (patients, flights) in the split, and per class how many records hold it. */
  testRecords: number;
  recordsPerClass: Record<string, number>;
  /** True when the dataset's groups are single samples (images split by file): record counts then mean nothing. */
  groupsAreSamples: boolean;
  /** The dataset's warning when its split is by beat or by file (optimistic), else null. */
  optimisticSplit: string | null;
  reference?: ReferenceComparison | undefined;
}

/** Below this many test records, intervals are not meaningful. */
export const MIN_TEST_RECORDS = 5;
/** Below this many test samples of a class, its figures are indicative only. */
export const MIN_CLASS_SAMPLES = 30;
/** Differences against the reference count only beyond chance at this level (McNemar's exact test). */
const SIGNIFICANCE = 0.05;

const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const pValue = (p: number): string => (p < 0.0001 ? 'p < 0.0001' : `p = ${p.toPrecision(2)}`);

export function validationFindings(o: FindingInputs): Finding[] {
  const findings: Finding[] = [];
  const m = o.metrics;
  const present = m.perClass.filter((c) => c.support > 0);
  const predictedClasses = m.perClass.filter((c) => c.predicted > 0);

  // A single answer for every input: nothing else the validation shows can be read as it looks.
  if (predictedClasses.length === 1 && present.length > 1 && o.robustnessSuites.length > 0) {
    findings.push({
      code: 'flat-curves-one-class',
      severity: 'critical',
      message: `The model answers "${predictedClasses[0]?.label}" to every input, so its attack and noise curves (${o.robustnessSuites.join(', ')}) are flat for that reason alone: they say nothing about robustness.`,
    });
  }

  for (const c of present) {
    if (c.predicted === 0)
      findings.push({
        code: 'class-never-predicted',
        severity: 'critical',
        class: c.label,
        message: `The model never answers "${c.label}", although the test data hold ${plural(c.support, 'sample')} of it: it cannot detect this class.`,
      });
    else if (c.sensitivity === 0)
      findings.push({
        code: 'class-never-found',
        severity: 'critical',
        class: c.label,
        message: `The model finds none of the ${plural(c.support, 'sample')} of "${c.label}" (sensitivity 0%): every one is called something else.`,
      });
  }

  if (present.length > 1) {
    const majority = present.reduce((a, b) => (b.support > a.support ? b : a));
    const share = majority.support / m.n;
    if (m.accuracy <= share + 1e-12)
      findings.push({
        code: 'no-better-than-majority',
        severity: 'critical',
        message: `Accuracy ${percent(m.accuracy)} is no better than always answering "${majority.label}" (${percent(share)} of the test samples are "${majority.label}"): the model adds nothing over guessing the most common class.`,
      });
  }

  for (const roc of o.roc?.perClass ?? []) {
    const c = m.perClass.find((p) => p.label === roc.label);
    if (roc.auc === null || c === undefined || c.sensitivity === null) continue;
    if (roc.auc >= 0.9 && c.sensitivity < 0.5)
      findings.push({
        code: 'ranks-well-decides-badly',
        severity: 'warning',
        class: c.label,
        message: `The model ranks "${c.label}" well (AUC ${percent(roc.auc)}) but its decisions catch only ${percent(c.sensitivity)} of them: the decision threshold or the calibration is the problem, not what the model learned. Decide this class at an operating threshold of its own instead of by the highest probability, or apply temperature scaling.`,
      });
  }

  if (!o.groupsAreSamples && o.testRecords < MIN_TEST_RECORDS)
    findings.push({
      code: 'few-test-records',
      severity: 'warning',
      message: `The test side holds only ${plural(o.testRecords, 'record')} (patients): with fewer than ${MIN_TEST_RECORDS}, confidence intervals are not meaningful and the figures describe these patients, not patients in general. Import more records, or validate on folds of the records in turn (k-fold by record).`,
    });
  else if (!o.groupsAreSamples) {
    const single = present.filter((c) => (o.recordsPerClass[c.label] ?? 0) === 1).map((c) => c.label);
    if (single.length > 0)
      findings.push({
        code: 'class-in-one-record',
        severity: 'warning',
        message: `${single.map((l) => `"${l}"`).join(', ')} ${single.length === 1 ? 'is' : 'are'} found in a single test record: ${single.length === 1 ? 'its' : 'their'} figures describe that one patient. Use a split that puts more records with ${single.length === 1 ? 'this class' : 'these classes'} on the test side (ds1ds2, or k-fold by record).`,
      });
  }

  const small = present.filter((c) => c.support < MIN_CLASS_SAMPLES);
  for (const c of small)
    findings.push({
      code: 'small-class',
      severity: 'warning',
      class: c.label,
      message: `Only ${plural(c.support, 'test sample')} of "${c.label}": one sample more or less moves its sensitivity by ${(100 / c.support).toFixed(1)} points, so treat its figures as indicative.`,
    });

  if (o.optimisticSplit !== null)
    findings.push({
      code: 'optimistic-split',
      severity: 'warning',
      message: `The data were split by ${/by file/.test(o.optimisticSplit) ? 'file' : 'beat'}, not by patient: samples of one patient sit on both sides, so these figures are optimistic and do not predict performance on new patients. Import again with a split by record or patient.`,
    });

  const calibration = o.calibration?.before;
  if (calibration !== undefined && calibration.ece > 0.05 && calibration.n > 0) {
    const gap =
      calibration.bins.reduce(
        (s, b) =>
          s + (b.confidence !== null && b.accuracy !== null ? b.count * (b.confidence - b.accuracy) : 0),
        0,
      ) / calibration.n;
    findings.push({
      code: gap > 0 ? 'over-confident' : 'under-confident',
      severity: 'note',
      message:
        gap > 0
          ? `The model is over-confident: on average it states ${percent(Math.abs(gap))} more certainty than it earns (ECE ${percent(calibration.ece)}). Its probabilities should not be read as chances without temperature scaling.`
          : `The model is under-confident: on average it is right ${percent(Math.abs(gap))} more often than its stated certainty (ECE ${percent(calibration.ece)}).`,
    });
  }

  if (o.reference !== undefined) findings.push(...referenceFindings(o.reference, m));
  const order: Record<FindingSeverity, number> = { critical: 0, warning: 1, note: 2 };
  return findings.sort((a, b) => order[a.severity] - order[b.severity]);
}

function referenceFindings(r: ReferenceComparison, m: ClassificationMetrics): Finding[] {
  const findings: Finding[] = [];
  const overall = mcnemarExact(r.lost, r.gained);
  if (r.gained > r.lost && overall.pValue < SIGNIFICANCE)
    findings.push({
      code: 'better-than-reference',
      severity: 'warning',
      message: `This model (accuracy ${percent(m.accuracy)}) is better than ${r.relation} ${r.referenceId} (${percent(r.reference.accuracy)}) by more than chance allows (right on ${plural(r.gained, 'sample')} where the reference is wrong, wrong on ${r.lost} where it is right; McNemar ${pValue(overall.pValue)}). A compressed or imported model should not beat its reference: suspect the reference (under-trained, or a poor decision threshold) before trusting the comparison.`,
    });
  for (const c of m.perClass) {
    const pair = r.perClass[c.label];
    const theirs = r.reference.perClass.find((p) => p.label === c.label)?.sensitivity;
    if (pair === undefined || c.sensitivity === null || typeof theirs !== 'number') continue;
    const test = mcnemarExact(pair.lost, pair.gained);
    if (pair.lost > pair.gained && test.pValue < SIGNIFICANCE)
      findings.push({
        code: 'class-drop-vs-reference',
        severity: 'critical',
        class: c.label,
        message: `Sensitivity to "${c.label}" fell from ${percent(theirs)} (${r.referenceId}) to ${percent(c.sensitivity)}: ${plural(pair.lost, 'sample')} the reference found are now missed against ${pair.gained} newly found, beyond chance (McNemar ${pValue(test.pValue)}).`,
      });
  }
  return findings;
}

/** Paired comparison of two models' decisions on the same labelled samples. */
export function pairedComparison(
  labels: ArrayLike<number>,
  ours: ArrayLike<number>,
  theirs: ArrayLike<number>,
  classes: string[],
): { lost: number; gained: number; perClass: Record<string, { lost: number; gained: number }> } {
  let lost = 0;
  let gained = 0;
  const perClass = Object.fromEntries(classes.map((c) => [c, { lost: 0, gained: 0 }]));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i] as number;
    const a = ours[i] === t;
    const b = theirs[i] === t;
    if (a === b) continue;
    const entry = perClass[classes[t] ?? ''];
    if (b) {
      lost++;
      if (entry !== undefined) entry.lost++;
    } else {
      gained++;
      if (entry !== undefined) entry.gained++;
    }
  }
  return { lost, gained, perClass };
}
