/**
 * Reading a stored validation result. The engine returns it as open JSON (suites grow over time), so each part
 * is checked for the fields a chart needs and left out when it is not there.
 */
export interface CleanResult {
  accuracy: number;
  macroF1: number;
  labels: string[];
  confusion: number[][];
  perClass: {
    label: string;
    support: number;
    sensitivity: number | null;
    positivePredictivity: number | null;
    f1: number | null;
  }[];
  bootstrap?: { accuracy: [number, number]; macroF1: [number, number]; level: number };
  /** The interval shown beside each figure and how it was computed (see the engine's stated-intervals). */
  intervals?: {
    accuracy: { interval: [number, number] | null; method: string };
    macroF1: { interval: [number, number] | null; method: string };
    perClass?: Record<string, { sensitivity: { interval: [number, number] | null; method: string } }>;
  };
}

export interface CurvePoint {
  x: number;
  accuracy: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function cleanOf(result: Record<string, unknown>): CleanResult | undefined {
  const clean = result['clean'];
  if (!isRecord(clean) || typeof clean['accuracy'] !== 'number' || !Array.isArray(clean['confusion']))
    return undefined;
  return clean as unknown as CleanResult;
}

export function fgsmOf(result: Record<string, unknown>): { unit: string; points: CurvePoint[] } | undefined {
  const fgsm = result['fgsm'];
  if (!isRecord(fgsm) || !Array.isArray(fgsm['points'])) return undefined;
  const points = (fgsm['points'] as Record<string, unknown>[])
    .filter((p) => typeof p['epsilon'] === 'number' && typeof p['accuracy'] === 'number')
    .map((p) => ({ x: p['epsilon'] as number, accuracy: p['accuracy'] as number }));
  return { unit: typeof fgsm['unit'] === 'string' ? fgsm['unit'] : '', points };
}

export function noiseOf(
  result: Record<string, unknown>,
): { noise: string; points: CurvePoint[] }[] | undefined {
  const noise = result['noise'];
  if (!isRecord(noise) || !Array.isArray(noise['noises'])) return undefined;
  return (noise['noises'] as Record<string, unknown>[]).map((curve) => ({
    noise: String(curve['noise']),
    points: (Array.isArray(curve['points']) ? (curve['points'] as Record<string, unknown>[]) : [])
      .filter((p) => typeof p['snrDb'] === 'number' && typeof p['accuracy'] === 'number')
      .map((p) => ({ x: p['snrDb'] as number, accuracy: p['accuracy'] as number })),
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
  result: Record<string, unknown>,
): { macroAuc: number | null; curves: RocCurve[] } | undefined {
  const clean = result['clean'];
  if (!isRecord(clean) || !isRecord(clean['roc']) || !Array.isArray(clean['roc']['perClass']))
    return undefined;
  const roc = clean['roc'];
  return {
    macroAuc: typeof roc['macroAuc'] === 'number' ? roc['macroAuc'] : null,
    curves: (roc['perClass'] as Record<string, unknown>[])
      .filter((c) => Array.isArray(c['points']) && typeof c['auc'] === 'number')
      .map((c) => ({
        label: String(c['label']),
        auc: c['auc'] as number,
        points: c['points'] as { fpr: number; tpr: number }[],
      })),
  };
}

export interface CalibrationView {
  ece: number;
  bins: { lower: number; upper: number; count: number; confidence: number | null; accuracy: number | null }[];
}

export function calibrationOf(
  result: Record<string, unknown>,
): { before: CalibrationView; after: CalibrationView | null; temperature: number | null } | undefined {
  const c = result['calibration'];
  if (!isRecord(c) || !isRecord(c['before']) || !Array.isArray(c['before']['bins'])) return undefined;
  const temperature = isRecord(c['temperature']) ? c['temperature']['temperature'] : null;
  return {
    before: c['before'] as unknown as CalibrationView,
    after: isRecord(c['after']) ? (c['after'] as unknown as CalibrationView) : null,
    temperature: typeof temperature === 'number' ? temperature : null,
  };
}

export interface SweepView {
  name: string;
  norm: string;
  unit: string;
  points: CurvePoint[];
}

/** Every attack sweep of a validation (FGSM, PGD per norm, sparse, Square, transfer), as curves. */
export function attackSweepsOf(result: Record<string, unknown>): SweepView[] {
  const sweeps: SweepView[] = [];
  const fgsm = fgsmOf(result);
  if (fgsm !== undefined) sweeps.push({ name: 'FGSM', norm: 'Linf', unit: fgsm.unit, points: fgsm.points });
  const read = (name: string, sweep: unknown): void => {
    if (!isRecord(sweep) || !Array.isArray(sweep['points'])) return;
    sweeps.push({
      name,
      norm: String(sweep['norm'] ?? ''),
      unit: String(sweep['unit'] ?? ''),
      points: (sweep['points'] as Record<string, unknown>[])
        .filter((p) => typeof p['epsilon'] === 'number' && typeof p['accuracy'] === 'number')
        .map((p) => ({ x: p['epsilon'] as number, accuracy: p['accuracy'] as number })),
    });
  };
  for (const suite of ['pgd', 'sparse', 'square'] as const) {
    const value = result[suite];
    if (!isRecord(value) || !Array.isArray(value['sweeps'])) continue;
    for (const sweep of value['sweeps'] as Record<string, unknown>[])
      read(
        `${suite === 'pgd' ? 'PGD' : suite === 'sparse' ? 'sparse' : 'Square'} ${String(sweep['norm'] ?? '')}`,
        sweep,
      );
  }
  const transfer = result['transfer'];
  if (isRecord(transfer)) {
    read(
      transfer['sourceRole'] === 'surrogate' ? 'transfer from the surrogate' : 'transfer from the parent',
      transfer['transfer'],
    );
    read('PGD on its own gradients', transfer['whiteBox']);
  }
  return sweeps;
}

export function gradientMaskingOf(result: Record<string, unknown>): number[] | null {
  const transfer = result['transfer'];
  if (!isRecord(transfer) || transfer['gradientMaskingSuspected'] !== true) return null;
  return Array.isArray(transfer['maskedAt']) ? (transfer['maskedAt'] as number[]) : [];
}

export interface AttackFiguresView {
  auc: number | null;
  advantage: number;
  tprAtFpr001: number | null;
}

export function membershipOf(result: Record<string, unknown>):
  | {
      members: number;
      nonMembers: number;
      rows: { who: string; attack: string; figures: AttackFiguresView }[];
    }
  | undefined {
  const m = result['membership'];
  if (!isRecord(m) || !isRecord(m['model'])) return undefined;
  const rows: { who: string; attack: string; figures: AttackFiguresView }[] = [];
  for (const [who, figures] of [
    ['this model', m['model']],
    ['its parent', m['parent']],
  ] as const) {
    if (!isRecord(figures)) continue;
    if (isRecord(figures['lossThreshold']))
      rows.push({
        who,
        attack: 'loss threshold',
        figures: figures['lossThreshold'] as unknown as AttackFiguresView,
      });
    if (isRecord(figures['lira']))
      rows.push({
        who,
        attack: 'LiRA (shadow models)',
        figures: figures['lira'] as unknown as AttackFiguresView,
      });
  }
  return { members: Number(m['members']), nonMembers: Number(m['nonMembers']), rows };
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

export function disagreementOf(result: Record<string, unknown>):
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
  const d = result['disagreement'];
  if (!isRecord(d) || !Array.isArray(d['flipped'])) return undefined;
  return {
    parentId: String(d['parentId']),
    disagreement: Number(d['disagreement']),
    lostCount: Number(d['lostCount']),
    gainedCount: Number(d['gainedCount']),
    flipped: d['flipped'] as FlippedView[],
    perClass: Array.isArray(d['perClass'])
      ? (d['perClass'] as {
          label: string;
          parentRecall: number | null;
          modelRecall: number | null;
          significant: boolean;
        }[])
      : [],
  };
}

/** Suites that could not run in this validation, with the reason stored; the other suites' results are kept. */
export function failedSuitesOf(result: Record<string, unknown>): { suite: string; reason: string }[] {
  return suiteReasons(result['failedSuites']);
}

/** A stored list of { suite, reason }: failed suites and suites a model cannot run are kept alike. */
function suiteReasons(list: unknown): { suite: string; reason: string }[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter(isRecord)
    .map((f) => ({ suite: String(f['suite'] ?? '?'), reason: String(f['reason'] ?? '') }));
}

/**
 * Suites asked for that this model cannot run (an ONNX model kept for ONNX Runtime only has no gradients), with
 * the reason, and how the dataset was fed to an imported model: both stored with the validation.
 */
export function suitesNotRunOf(result: Record<string, unknown>): { suite: string; reason: string }[] {
  return suiteReasons(result['suitesNotRun']);
}

/** Which runtime computed the forward-only suites (TF.js or ONNX Runtime) and why, when the result says. */
export function forwardRuntimeOf(result: Record<string, unknown>): string | undefined {
  const forward = result['forwardRuntime'];
  if (!isRecord(forward) || typeof forward['runtime'] !== 'string') return undefined;
  const name = forward['runtime'] === 'onnxruntime' ? 'ONNX Runtime' : 'TF.js';
  return typeof forward['why'] === 'string' ? `${name} (${forward['why']})` : name;
}

export function inputNoteOf(result: Record<string, unknown>): string | undefined {
  return typeof result['inputNote'] === 'string' ? result['inputNote'] : undefined;
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
  detection: 'Attack detection',
  attribution: 'Attribution',
  corruptions: 'Image corruptions',
  noise: 'Noise stress test',
};
