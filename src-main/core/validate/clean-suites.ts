import { badInput } from '../errors.js';
import { classificationMetrics, type ClassificationMetrics } from '../metrics/metrics.js';
import { recordBootstrap, type BootstrapIntervals } from './record-bootstrap.js';
import {
  recordConfusions,
  statedIntervals,
  type CleanIntervals,
  type RecordConfusion,
} from './stated-intervals.js';
import { rocCurves, type RocResult } from './roc.js';
import { decide, decisionRule, type DecisionRule } from './operating-threshold.js';
import { applyTemperature, calibrationFigures, type CalibrationFigures } from './calibration.js';
import type { SuiteContext, TemperatureFit } from './suite-context.js';
import type { ValidateOptions } from './validate-options.js';

export type CleanResult = ClassificationMetrics & {
  decisionRule: DecisionRule;
  /** The temperature applied before deciding, when temperature scaling was asked for. */
  temperature?: TemperatureFit;
  roc: RocResult;
  bootstrap: BootstrapIntervals | null;
  /** The interval shown beside each figure and its method (bootstrap with enough records, else exact). */
  intervals: CleanIntervals;
  /** Confusion matrix per test record: EC57's figures averaged over records come from it. */
  perRecord: RecordConfusion[];
};

/** Clean metrics at the chosen operating point, ROC curves, and confidence intervals over records. */
export function cleanSuite(ctx: SuiteContext, options: ValidateOptions): CleanResult {
  const rule = decisionRule(ctx.dataset.classes, options.threshold, options.positiveClass);
  let probabilities = ctx.probabilities();
  let temperature: TemperatureFit | undefined;
  if (options.temperatureScaling === true) {
    temperature = ctx.temperature();
    if (temperature === undefined)
      throw badInput(
        `temperature scaling needs the validation records of model ${ctx.trainedAncestor().id}'s training on dataset ${ctx.dataset.id}`,
      );
    probabilities = applyTemperature(probabilities, ctx.classCount, temperature.temperature);
  }
  const predicted = decide(probabilities, ctx.classCount, rule);
  // Confidence intervals resample whole records (patients), never beats.
  const bootstrap = recordBootstrap({
    labels: ctx.labels,
    predicted,
    groups: ctx.groups,
    classes: ctx.dataset.classes,
    seed: ctx.seed,
  });
  const perRecord = recordConfusions(ctx.labels, predicted, ctx.groups, ctx.dataset.groups, ctx.classCount);
  return {
    ...classificationMetrics(ctx.labels, predicted, ctx.dataset.classes),
    decisionRule: rule,
    ...(temperature !== undefined ? { temperature } : {}),
    roc: rocCurves(probabilities, ctx.labels, ctx.dataset.classes),
    bootstrap,
    intervals: statedIntervals(perRecord, ctx.dataset.classes, bootstrap),
    perRecord,
  };
}

export interface CalibrationResult {
  bins: number;
  /** As the model outputs them. */
  before: CalibrationFigures;
  /** Temperature fitted on the training run's validation records; null when there were none. */
  temperature: TemperatureFit | null;
  /** On the same split after temperature scaling; null without a temperature. */
  after: CalibrationFigures | null;
}

/** ECE over 15 bins, the reliability diagram, and the same after temperature scaling fitted on validation data. */
export function calibrationSuite(ctx: SuiteContext): CalibrationResult {
  const probabilities = ctx.probabilities();
  const before = calibrationFigures(probabilities, ctx.labels, ctx.classCount);
  const temperature = ctx.temperature() ?? null;
  const after =
    temperature !== null
      ? calibrationFigures(
          applyTemperature(probabilities, ctx.classCount, temperature.temperature),
          ctx.labels,
          ctx.classCount,
        )
      : null;
  return { bins: before.bins.length, before, temperature, after };
}
