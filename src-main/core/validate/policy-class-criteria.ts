import type { Interval } from './record-bootstrap.js';
import type { ValidationResults } from './rows.js';
import { clopperPearson, hanleyMcNeil, meanInterval } from './exact-intervals.js';
import { averagePrecision, sensitivityAtSpecificity } from './class-scores.js';

/** One class's scores (its probability for every test sample) and which samples belong to it. */
export interface ClassScores {
  scores: ArrayLike<number>;
  positive: ArrayLike<boolean>;
}

export interface ClassCriterion {
  class: string;
  metric: 'sensitivity' | 'positivePredictivity' | 'specificity' | 'f1' | 'auc' | 'ap';
  pooling?: 'gross' | 'average' | undefined;
  min: number;
}

export interface MeasuredCriterion {
  value: number | null;
  detail: string;
  stated?: { interval: Interval | null; method: string };
}

const NAMES: Record<ClassCriterion['metric'], string> = {
  sensitivity: 'sensitivity',
  positivePredictivity: 'positive predictivity',
  specificity: 'specificity',
  f1: 'F1',
  auc: 'AUC (one against the rest)',
  ap: 'average precision',
};

/** A per-record figure of one class from that record's confusion matrix; null where it is undefined. */
function recordFigure(confusion: number[][], c: number, metric: ClassCriterion['metric']): number | null {
  const n = confusion.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  const tp = (confusion[c] as number[])[c] as number;
  const support = (confusion[c] as number[]).reduce((a, b) => a + b, 0);
  const predicted = confusion.reduce((s, row) => s + (row[c] as number), 0);
  const negatives = n - support;
  if (metric === 'sensitivity') return support > 0 ? tp / support : null;
  if (metric === 'positivePredictivity') return predicted > 0 ? tp / predicted : null;
  if (metric === 'specificity') return negatives > 0 ? (negatives - (predicted - tp)) / negatives : null;
  return support + predicted > 0 ? (2 * tp) / (support + predicted) : null;
}

/**
 * The measured value of a per-class criterion with its interval: gross figures with the validation's stated
 * interval (record bootstrap or exact), EC57 averages over records with Student's t, AUC with Hanley-McNeil,
 * sensitivity at a fixed specificity with Clopper-Pearson on its count. With `atSpecificity` the criterion is
 * the sensitivity reachable at that specificity.
 */
export function classCriterionValue(
  criterion: ClassCriterion,
  results: ValidationResults,
  scoresOf: ((label: string) => ClassScores | undefined) | undefined,
  atSpecificity?: number,
): MeasuredCriterion {
  const clean = results.clean;
  const label = criterion.class;
  const name = NAMES[criterion.metric];
  if (clean === undefined) return { value: null, detail: 'no clean result' };
  const c = clean.labels.indexOf(label);
  if (c < 0)
    return {
      value: null,
      detail: `class ${label} is not one of this model's classes (${clean.labels.join(', ')})`,
    };
  const m = clean.perClass[c];
  if (m === undefined || m.support === 0)
    return { value: null, detail: `no test sample of ${label}: ${name} not measured` };
  if (atSpecificity !== undefined) {
    const scores = scoresOf?.(label);
    const point =
      scores !== undefined ? sensitivityAtSpecificity(scores.scores, scores.positive, atSpecificity) : null;
    if (point === null) return { value: null, detail: `no scores of ${label} to set a threshold` };
    return {
      value: point.sensitivity,
      detail: `sensitivity to ${label} at specificity ${(point.specificity * 100).toFixed(1)}% (asked at least ${(atSpecificity * 100).toFixed(1)}%), ${point.truePositives} of ${point.positives}`,
      stated: {
        interval: clopperPearson(point.truePositives, point.positives),
        method: 'Clopper-Pearson exact binomial on the positives (the threshold is set on the same data)',
      },
    };
  }
  if (criterion.metric === 'auc') {
    const roc = clean.roc?.perClass.find((r) => r.label === label);
    if (roc === undefined || roc.auc === null) return { value: null, detail: `no AUC of ${label}` };
    return {
      value: roc.auc,
      detail: `${name} of ${label}, ${roc.positives} positives and ${roc.negatives} negatives`,
      stated: { interval: hanleyMcNeil(roc.auc, roc.positives, roc.negatives), method: 'Hanley-McNeil' },
    };
  }
  if (criterion.metric === 'ap') {
    const scores = scoresOf?.(label);
    const ap = scores !== undefined ? averagePrecision(scores.scores, scores.positive) : null;
    return {
      value: ap,
      detail: ap === null ? `no scores of ${label}` : `${name} of ${label} (all-point), no interval computed`,
    };
  }
  if (criterion.pooling === 'average') {
    const values = (clean.perRecord ?? [])
      .map((r) => recordFigure(r.confusion, c, criterion.metric))
      .filter((v): v is number => v !== null);
    if (values.length === 0)
      return { value: null, detail: `no test record where ${name} of ${label} is defined` };
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return {
      value: mean,
      detail: `${name} of ${label} averaged over ${values.length} record${values.length === 1 ? '' : 's'} (EC57 average)`,
      stated: {
        interval: meanInterval(values),
        method:
          values.length < 2
            ? 'none: a single record gives no interval'
            : `Student's t over ${values.length} per-record values`,
      },
    };
  }
  const value = m[criterion.metric] ?? null;
  const stated =
    criterion.metric === 'specificity'
      ? specificityInterval(clean.confusion, c)
      : clean.intervals?.perClass[label]?.[criterion.metric];
  return {
    value,
    detail: `${name} of ${label} over all ${m.support} test samples (gross)`,
    ...(stated !== undefined ? { stated } : {}),
  };
}

function specificityInterval(
  confusion: number[][],
  c: number,
): { interval: Interval | null; method: string } {
  const n = confusion.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  const support = (confusion[c] as number[]).reduce((a, b) => a + b, 0);
  const falsePositives = confusion.reduce((s, row, t) => s + (t === c ? 0 : (row[c] as number)), 0);
  const negatives = n - support;
  return {
    interval: clopperPearson(negatives - falsePositives, negatives),
    method: 'Clopper-Pearson exact binomial, samples counted as independent',
  };
}
