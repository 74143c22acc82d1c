import type { tfl } from '../engine/tf.js';
import type { JobContext } from '../jobs/job-context.js';
import { predictClasses } from '../predict/predict.js';
import { pgdPerturb, pgdSweepSteps, defaultPgdSettings, type PgdSettings } from './pgd.js';
import { runStepsAsync, type Steps } from '../jobs/steps.js';
import { SweepCounter, checkAttackInputs, checkBudgets, type AttackSweep } from './attack-sweep.js';

export interface TransferResult {
  sourceModelId: string;
  /** What the source is to this model: its parent, or a surrogate named with --surrogate. */
  sourceRole: 'parent' | 'surrogate';
  /** This model on the examples crafted on the source: a black-box attack for this model. */
  transfer: AttackSweep;
  /**
   * This model under PGD on its own gradients, with the same settings; null for a model without gradients (run
   * by ONNX Runtime alone), for which the transferred examples are the only attack it can be judged under.
   */
  whiteBox: AttackSweep | null;
  /** Why whiteBox is null. */
  whiteBoxNotRun?: string;
  /**
   * True where the transferred examples hurt this model more than its own white-box PGD (by more than 2 points
   * of accuracy at some epsilon): its gradients then mislead the attack, and its white-box figures overstate
   * its robustness (gradient masking, common after quantization).
   */
  gradientMaskingSuspected: boolean;
  /** The epsilons where that happened. */
  maskedAt: number[];
}

export interface TransferOptions {
  model: tfl.LayersModel;
  source: tfl.LayersModel;
  sourceModelId: string;
  sourceRole?: 'parent' | 'surrogate';
  /** Set when the model under test has no gradients: the white-box comparison is left out, with this reason. */
  noWhiteBox?: string;
  inputs: Float32Array;
  sampleShape: number[];
  labels: ArrayLike<number>;
  classes: number;
  epsilons: number[];
  settings?: Partial<PgdSettings>;
  seed?: number;
  unit?: string;
}

export const MASKING_MARGIN = 0.02;

/** PGD examples crafted on the source model, replayed on this one; beside this model's own white-box PGD. */
export function* transferSteps(o: TransferOptions): Steps<TransferResult> {
  const n = checkAttackInputs(o);
  const epsilons = checkBudgets(o.epsilons, 'transfer attack');
  const settings = defaultPgdSettings({ ...o.settings, target: undefined });
  const counter = new SweepCounter(epsilons, undefined);
  const clean = predictClasses(o.model, o.inputs, o.sampleShape);
  const rows: Int32Array[] = [];
  for (const [e, epsilon] of epsilons.entries()) {
    const crafted = pgdPerturb({
      ...o,
      model: o.source,
      epsilon,
      settings,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    });
    rows.push(predictClasses(o.model, crafted, o.sampleShape));
    yield {
      fraction: (0.5 * (e + 1)) / epsilons.length,
      message: `transfer attack: epsilon ${epsilon} crafted on the ${o.sourceRole ?? 'parent'}`,
    };
  }
  for (let i = 0; i < n; i++)
    counter.add(
      o.labels[i] as number,
      clean[i] as number,
      rows.map((r) => r[i] as number),
    );
  const transfer = counter.result({
    attack: 'transfer',
    norm: settings.norm,
    unit: o.unit ?? 'model input units',
    targeted: false,
    params: {
      source: o.sourceModelId,
      steps: settings.steps,
      stepSize: settings.stepSize,
      restarts: settings.restarts,
      randomStart: settings.randomStart,
      seed: o.seed ?? 1,
    },
  });
  const sourceRole = o.sourceRole ?? 'parent';
  if (o.noWhiteBox !== undefined)
    return {
      sourceModelId: o.sourceModelId,
      sourceRole,
      transfer,
      whiteBox: null,
      whiteBoxNotRun: o.noWhiteBox,
      gradientMaskingSuspected: false,
      maskedAt: [],
    };
  const own = pgdSweepSteps({ ...o, settings });
  let whiteBox: AttackSweep;
  for (;;) {
    const step = own.next();
    if (step.done === true) {
      whiteBox = step.value;
      break;
    }
    if (step.value !== undefined)
      yield { fraction: 0.5 + step.value.fraction / 2, message: `white-box ${step.value.message}` };
  }
  const maskedAt = transfer.points
    .filter((p, e) => p.accuracy < (whiteBox.points[e]?.accuracy ?? 0) - MASKING_MARGIN)
    .map((p) => p.epsilon);
  return {
    sourceModelId: o.sourceModelId,
    sourceRole,
    transfer,
    whiteBox,
    gradientMaskingSuspected: maskedAt.length > 0,
    maskedAt,
  };
}

export function transferAsync(o: TransferOptions, context?: JobContext): Promise<TransferResult> {
  return runStepsAsync(transferSteps(o), context);
}
