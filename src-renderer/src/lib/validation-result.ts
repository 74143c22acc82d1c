import type { StoredValidationResult } from '../../../src-main/contract/index.js';

/**
 * Reading a stored validation result. The contract parses it with the schema of each suite's result (a suite
 * stored in a shape this version cannot read arrives as absent), so these turn the typed parts into what a chart
 * needs.
 */
export type CleanResult = NonNullable<StoredValidationResult['clean']>;

export interface CurvePoint {
  x: number;
  accuracy: number;
}

export function cleanOf(result: StoredValidationResult): CleanResult | undefined {
  return result.clean;
}

export function fgsmOf(result: StoredValidationResult): { unit: string; points: CurvePoint[] } | undefined {
  const fgsm = result.fgsm;
  if (fgsm === undefined) return undefined;
  return { unit: fgsm.unit, points: fgsm.points.map((p) => ({ x: p.epsilon, accuracy: p.accuracy })) };
}

export function noiseOf(
  result: StoredValidationResult,
): { noise: string; points: CurvePoint[] }[] | undefined {
  return result.noise?.noises.map((curve) => ({
    noise: curve.noise,
    points: curve.points.map((p) => ({ x: p.snrDb, accuracy: p.accuracy })),
  }));
}

/** Noise names as the ECG noise stress test calls them. */
export const NOISE_NAMES: Record<string, string> = {
  bw: 'baseline wander',
  ma: 'muscle artifact',
  em: 'electrode motion',
  pl50: 'power line 50 Hz',
  pl60: 'power line 60 Hz',
  offset: 'DC offset',
  scale: 'amplitude scaling',
};

export interface RocCurve {
  label: string;
  auc: number | null;
  points: { fpr: number; tpr: number }[];
}

export function rocOf(
  result: StoredValidationResult,
): { macroAuc: number | null; curves: RocCurve[] } | undefined {
  const roc = result.clean?.roc;
  if (roc === undefined) return undefined;
  return {
    macroAuc: roc.macroAuc,
    curves: roc.perClass.flatMap((c) =>
      c.auc === null ? [] : [{ label: c.label, auc: c.auc, points: c.points }],
    ),
  };
}

export interface CalibrationView {
  ece: number;
  bins: { lower: number; upper: number; count: number; confidence: number | null; accuracy: number | null }[];
}

export function calibrationOf(
  result: StoredValidationResult,
): { before: CalibrationView; after: CalibrationView | null; temperature: number | null } | undefined {
  const c = result.calibration;
  if (c === undefined) return undefined;
  return { before: c.before, after: c.after, temperature: c.temperature?.temperature ?? null };
}

type AttackSweep = NonNullable<StoredValidationResult['pgd']>['sweeps'][number];

export interface SweepView {
  name: string;
  norm: string;
  unit: string;
  points: CurvePoint[];
}

/** Every attack sweep of a validation (FGSM, PGD per norm, sparse, Square, transfer), as curves. */
export function attackSweepsOf(result: StoredValidationResult): SweepView[] {
  const sweeps: SweepView[] = [];
  const fgsm = fgsmOf(result);
  if (fgsm !== undefined) sweeps.push({ name: 'FGSM', norm: 'Linf', unit: fgsm.unit, points: fgsm.points });
  const read = (name: string, sweep: AttackSweep): void => {
    sweeps.push({
      name,
      norm: sweep.norm,
      unit: sweep.unit,
      points: sweep.points.map((p) => ({ x: p.epsilon, accuracy: p.accuracy })),
    });
  };
  for (const suite of ['pgd', 'sparse', 'square'] as const)
    for (const sweep of result[suite]?.sweeps ?? [])
      read(`${suite === 'pgd' ? 'PGD' : suite === 'sparse' ? 'sparse' : 'Square'} ${sweep.norm}`, sweep);
  const transfer = result.transfer;
  if (transfer !== undefined) {
    read(
      transfer.sourceRole === 'surrogate' ? 'transfer from the surrogate' : 'transfer from the parent',
      transfer.transfer,
    );
    // A model run by ONNX Runtime alone has no gradients: its transfer result has no white-box sweep.
    if (transfer.whiteBox !== null) read('PGD on its own gradients', transfer.whiteBox);
  }
  return sweeps;
}

export function gradientMaskingOf(result: StoredValidationResult): number[] | null {
  const transfer = result.transfer;
  return transfer?.gradientMaskingSuspected === true ? transfer.maskedAt : null;
}

export interface AttackFiguresView {
  auc: number | null;
  advantage: number;
  tprAtFpr001: number | null;
}

export function membershipOf(result: StoredValidationResult):
  | {
      members: number;
      nonMembers: number;
      rows: { who: string; attack: string; figures: AttackFiguresView }[];
    }
  | undefined {
  const m = result.membership;
  if (m === undefined) return undefined;
  const rows: { who: string; attack: string; figures: AttackFiguresView }[] = [];
  for (const [who, figures] of [
    ['this model', m.model],
    ['its parent', m.parent],
  ] as const) {
    if (figures === null) continue;
    rows.push({ who, attack: 'loss threshold', figures: figures.lossThreshold });
    if (figures.lira !== null) rows.push({ who, attack: 'LiRA (shadow models)', figures: figures.lira });
  }
  return { members: m.members, nonMembers: m.nonMembers, rows };
}

export interface FlippedView {
  index: number;
  group: string;
  label: string;
  model: string;
  parent: string;
  modelConfidence: number;
  parentConfidence: number;
}

export function disagreementOf(result: StoredValidationResult):
  | {
      parentId: string;
      disagreement: number;
      lostCount: number;
      gainedCount: number;
      flipped: FlippedView[];
      perClass: {
        label: string;
        parentRecall: number | null;
        modelRecall: number | null;
        significant: boolean;
      }[];
    }
  | undefined {
  return result.disagreement;
}

/** Suites that could not run in this validation, with the reason stored; the other suites' results are kept. */
export function failedSuitesOf(result: StoredValidationResult): { suite: string; reason: string }[] {
  return result.failedSuites ?? [];
}

/**
 * Suites asked for that this model cannot run (an ONNX model kept for ONNX Runtime only has no gradients), with
 * the reason, and how the dataset was fed to an imported model: both stored with the validation.
 */
export function suitesNotRunOf(result: StoredValidationResult): { suite: string; reason: string }[] {
  return result.suitesNotRun ?? [];
}

/** Which runtime computed the forward-only suites (TF.js or ONNX Runtime) and why, when the result says. */
export function forwardRuntimeOf(result: StoredValidationResult): string | undefined {
  const forward = result.forwardRuntime;
  if (forward === undefined) return undefined;
  const name = forward.runtime === 'onnxruntime' ? 'ONNX Runtime' : 'TF.js';
  return `${name} (${forward.why})`;
}

export function inputNoteOf(result: StoredValidationResult): string | undefined {
  return result.inputNote;
}

/** Short names of the suites for messages about them (the validate form explains each at length). */
export const SUITE_TITLES: Record<string, string> = {
  clean: 'Clean',
  calibration: 'Calibration',
  fgsm: 'Attack (FGSM)',
  pgd: 'Stronger attack (PGD)',
  sparse: 'Sparse attack',
  square: 'Black-box attack (Square)',
  transfer: 'Transfer attack',
  disagreement: 'Disagreement with the parent',
  membership: 'Privacy (membership inference)',
  'mutation-detection': 'Attack detection (model mutation)',
  /** The same suite in validations stored before its rename. */
  detection: 'Attack detection (model mutation)',
  attribution: 'Attribution',
  corruptions: 'Image corruptions',
  noise: 'Noise stress test',
};
