import type { BootstrapIntervals, Interval } from './record-bootstrap.js';
import { clopperPearson } from './exact-intervals.js';

/**
 * The interval shown beside each clean figure, with the method that produced it. A bootstrap over records holds
 * its level only with enough records: with 2 records its "95%" covers about half the time, and a class found in
 * one record gets a zero-width interval. Below MIN_BOOTSTRAP_RECORDS records a proportion gets Clopper-Pearson's
 * exact binomial interval instead (it counts samples as independent, which the method says), and a figure with
 * no exact interval (F1, macro-F1) gets none, with the reason.
 */
export const MIN_BOOTSTRAP_RECORDS = 10;

export interface StatedInterval {
  interval: Interval | null;
  method: string;
}

export interface ClassIntervals {
  /** Test records holding at least one sample of the class. */
  records: number;
  sensitivity: StatedInterval;
  positivePredictivity: StatedInterval;
  f1: StatedInterval;
}

export interface CleanIntervals {
  level: number;
  testRecords: number;
  accuracy: StatedInterval;
  macroF1: StatedInterval;
  perClass: Record<string, ClassIntervals>;
}

/** One record's confusion matrix (confusion[true][predicted]), for per-record (EC57 averaged) figures. */
export interface RecordConfusion {
  record: string;
  confusion: number[][];
}

/** Confusion matrix per test record, in record order. */
export function recordConfusions(
  labels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  groups: ArrayLike<number>,
  groupNames: string[],
  classCount: number,
): RecordConfusion[] {
  const byGroup = new Map<number, number[][]>();
  for (let i = 0; i < labels.length; i++) {
    const g = groups[i] as number;
    let matrix = byGroup.get(g);
    if (matrix === undefined)
      byGroup.set(
        g,
        (matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0))),
      );
    const row = matrix[labels[i] as number] as number[];
    const p = predicted[i] as number;
    row[p] = (row[p] as number) + 1;
  }
  return [...byGroup.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([g, confusion]) => ({ record: groupNames[g] ?? String(g), confusion }));
}

const unit = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function statedIntervals(
  records: RecordConfusion[],
  classes: string[],
  bootstrap: BootstrapIntervals | null,
  level = 0.95,
): CleanIntervals {
  const sum = (f: (m: number[][]) => number): number => records.reduce((s, r) => s + f(r.confusion), 0);
  const cell = (m: number[][], t: number, p: number): number => (m[t] as number[])[p] as number;
  const rowSum = (m: number[][], t: number): number => (m[t] as number[]).reduce((a, b) => a + b, 0);
  const columnSum = (m: number[][], p: number): number => m.reduce((a, row) => a + (row[p] as number), 0);
  const bootstrapMethod =
    bootstrap !== null
      ? `record bootstrap (${bootstrap.resamples} resamples of ${unit(bootstrap.groups, 'record')})`
      : '';
  const exactMethod = (why: string): string =>
    `Clopper-Pearson exact binomial, samples counted as independent (${why}: too few for a record bootstrap)`;
  /** Bootstrap where enough records carry the denominator and the interval is not degenerate; else exact. */
  const proportion = (
    successes: number,
    trials: number,
    recordsCarrying: number,
    fromBootstrap: Interval | null | undefined,
    what: string,
  ): StatedInterval => {
    if (trials === 0) return { interval: null, method: `none: no ${what}` };
    const usable =
      recordsCarrying >= MIN_BOOTSTRAP_RECORDS &&
      fromBootstrap !== null &&
      fromBootstrap !== undefined &&
      fromBootstrap[1] - fromBootstrap[0] > 1e-12;
    if (usable) return { interval: fromBootstrap, method: bootstrapMethod };
    return {
      interval: clopperPearson(successes, trials, level),
      method: exactMethod(`${what} in ${unit(recordsCarrying, 'record')}`),
    };
  };
  const noExact = (what: string, fromBootstrap: Interval | null | undefined): StatedInterval =>
    records.length >= MIN_BOOTSTRAP_RECORDS && fromBootstrap !== null && fromBootstrap !== undefined
      ? { interval: fromBootstrap, method: bootstrapMethod }
      : {
          interval: null,
          method: `none: ${unit(records.length, 'test record')} are too few for a record bootstrap, and ${what} has no exact interval`,
        };
  const n = sum((m) => m.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0));
  const correct = sum((m) => m.reduce((s, row, t) => s + (row[t] as number), 0));
  const perClass: Record<string, ClassIntervals> = {};
  classes.forEach((label, c) => {
    const support = sum((m) => rowSum(m, c));
    const predicted = sum((m) => columnSum(m, c));
    const truePositives = sum((m) => cell(m, c, c));
    const withClass = records.filter((r) => rowSum(r.confusion, c) > 0).length;
    const withPrediction = records.filter((r) => columnSum(r.confusion, c) > 0).length;
    const b = bootstrap?.perClass[label];
    perClass[label] = {
      records: withClass,
      sensitivity: proportion(truePositives, support, withClass, b?.sensitivity, `${label} found`),
      positivePredictivity: proportion(
        truePositives,
        predicted,
        withPrediction,
        b?.positivePredictivity,
        `${label} predicted`,
      ),
      f1: noExact('F1', b?.f1),
    };
  });
  return {
    level,
    testRecords: records.length,
    accuracy: proportion(correct, n, records.length, bootstrap?.accuracy, 'samples'),
    macroF1: noExact('macro-F1', bootstrap?.macroF1),
    perClass,
  };
}
