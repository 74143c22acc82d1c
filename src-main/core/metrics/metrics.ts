import { badInput } from '../errors.js';

export interface PerClassMetrics {
  label: string;
  /** Samples whose true class is this one. */
  support: number;
  /** Samples predicted as this class. */
  predicted: number;
  /** TP / support (recall); null when the class has no support. */
  sensitivity: number | null;
  /** TP / predicted (precision); null when nothing was predicted as this class. */
  positivePredictivity: number | null;
  /** 2 TP / (support + predicted); null when the class is absent from both truth and prediction. */
  f1: number | null;
  /** TN / (TN + FP), one class against the rest; null when every sample belongs to this class. */
  specificity: number | null;
}

export interface ClassificationMetrics {
  n: number;
  accuracy: number;
  /** Mean F1 over the classes present in the truth or in the prediction (classes absent from both are left out). */
  macroF1: number;
  perClass: PerClassMetrics[];
  /** confusion[true][predicted], counts. */
  confusion: number[][];
  labels: string[];
}

/**
 * Accuracy, macro-F1, per-class sensitivity, specificity, positive predictivity and F1, and the confusion
 * matrix.
 *
 * A class absent from both truth and prediction has no defined metric (all null) and is left out of macro-F1,
 * rather than counted as 0 (which would punish a model for a class the split does not contain) or as 1.
 * A class with support but never predicted has sensitivity 0, positive predictivity null and F1 0; a class
 * predicted but without support has sensitivity null, positive predictivity 0 and F1 0. F1 is computed as
 * 2 TP / (support + predicted), which equals the harmonic mean of sensitivity and positive predictivity
 * whenever both are defined.
 */
export function classificationMetrics(
  trueLabels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: string[],
): ClassificationMetrics {
  const k = labels.length;
  if (k === 0) throw badInput('classification metrics need at least one class');
  if (trueLabels.length !== predicted.length) {
    throw badInput(`${trueLabels.length} true labels but ${predicted.length} predictions`);
  }
  const n = trueLabels.length;
  if (n === 0) throw badInput('no samples to score');
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) {
    const t = checkedClass(trueLabels[i] as number, k, 'true label', i);
    const p = checkedClass(predicted[i] as number, k, 'prediction', i);
    (confusion[t] as number[])[p] = ((confusion[t] as number[])[p] as number) + 1;
  }
  return metricsFromConfusion(confusion, labels);
}

/** The figures of a confusion matrix (confusion[true][predicted]) with at least one sample. */
export function metricsFromConfusion(confusion: number[][], labels: string[]): ClassificationMetrics {
  const n = confusion.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  if (n === 0) throw badInput('no samples to score');
  let correct = 0;
  const perClass: PerClassMetrics[] = labels.map((label, c) => {
    const row = confusion[c] as number[];
    const truePositives = row[c] as number;
    correct += truePositives;
    const support = row.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, r) => a + (r[c] as number), 0);
    const negatives = n - support;
    const falsePositives = predictedCount - truePositives;
    return {
      label,
      support,
      predicted: predictedCount,
      sensitivity: support > 0 ? truePositives / support : null,
      positivePredictivity: predictedCount > 0 ? truePositives / predictedCount : null,
      f1: support + predictedCount > 0 ? (2 * truePositives) / (support + predictedCount) : null,
      specificity: negatives > 0 ? (negatives - falsePositives) / negatives : null,
    };
  });
  const f1s = perClass.map((m) => m.f1).filter((f): f is number => f !== null);
  // n > 0 guarantees at least one class present, so f1s is never empty.
  const macroF1 = f1s.reduce((a, b) => a + b, 0) / f1s.length;
  return { n, accuracy: correct / n, macroF1, perClass, confusion, labels: [...labels] };
}

function checkedClass(value: number, k: number, what: string, index: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= k) {
    throw badInput(`${what} ${value} at sample ${index} is not a class index from 0 to ${k - 1}`);
  }
  return value;
}

/** Fraction of equal entries; for callers that need accuracy only. */
export function accuracyOf(trueLabels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (trueLabels.length !== predicted.length) {
    throw badInput(`${trueLabels.length} true labels but ${predicted.length} predictions`);
  }
  if (trueLabels.length === 0) throw badInput('no samples to score');
  let correct = 0;
  for (let i = 0; i < trueLabels.length; i++) if (trueLabels[i] === predicted[i]) correct++;
  return correct / trueLabels.length;
}
