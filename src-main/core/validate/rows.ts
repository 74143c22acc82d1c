import type { Interval } from './record-bootstrap.js';
import type { StoredValidationResult } from './validation-result-schema.js';

/** A suite's part of a stored result, as its schema beside the suite types it. */
type Part<K extends keyof StoredValidationResult> = NonNullable<StoredValidationResult[K]>;
type CleanFigures = Part<'clean'>;
type FgsmResult = Part<'fgsm'>;
type NoiseStressResult = Part<'noise'>;
type CalibrationResult = Part<'calibration'>;
type CalibrationFigures = CalibrationResult['before'];
type AttackSweep = Part<'pgd'>['sweeps'][number];
type TransferResult = Part<'transfer'>;
type DisagreementResult = Part<'disagreement'>;
type MembershipResult = Part<'membership'>;
type MembershipFigures = MembershipResult['model'];
type DetectionResult = Part<'mutation-detection'>;
type PolicyResult = Part<'policy'>;
type CorruptionsResult = Part<'corruptions'>;

/**
 * One stored number. Names are snake_case and say what the value is; `params` says where it applies (class,
 * epsilon, noise, SNR). A metric that is undefined (e.g. sensitivity of a class without support) is null.
 */
export interface MetricRow {
  suite: string;
  name: string;
  value: number | null;
  params?: Record<string, string | number>;
}

/** A stored validation result, as the metric rows read it (the schemas beside the suites). */
export type ValidationResults = StoredValidationResult;

/**
 * Flattens suite results into metric rows, in a stable order: clean, fgsm, noise, then calibration, pgd, sparse,
 * square, transfer.
 */
export function metricRows(results: ValidationResults): MetricRow[] {
  return [
    ...(results.clean !== undefined ? cleanRows(results.clean) : []),
    ...(results.fgsm !== undefined ? fgsmRows(results.fgsm) : []),
    ...(results.noise !== undefined ? noiseRows(results.noise) : []),
    ...(results.calibration !== undefined ? calibrationRows(results.calibration) : []),
    ...(results.pgd !== undefined ? results.pgd.sweeps.flatMap((s) => sweepRows('pgd', s)) : []),
    ...(results.sparse !== undefined ? results.sparse.sweeps.flatMap((s) => sweepRows('sparse', s)) : []),
    ...(results.square !== undefined ? results.square.sweeps.flatMap((s) => sweepRows('square', s)) : []),
    ...(results.transfer !== undefined ? transferRows(results.transfer) : []),
    ...(results.disagreement !== undefined ? disagreementRows(results.disagreement) : []),
    ...(results.membership !== undefined ? membershipRows(results.membership) : []),
    ...(results['mutation-detection'] !== undefined ? detectionRows(results['mutation-detection']) : []),
    ...(results.corruptions !== undefined ? corruptionRows(results.corruptions) : []),
    ...(results.attribution !== undefined
      ? results.attribution.samples.map((a) => ({
          suite: 'attribution',
          name: 'completeness_error',
          value: a.completenessError,
          params: { sample: a.index, class: a.predicted },
        }))
      : []),
    ...(results.policy !== undefined ? policyRows(results.policy) : []),
  ];
}

function corruptionRows(r: CorruptionsResult): MetricRow[] {
  const suite = 'corruptions';
  const rows: MetricRow[] = [
    { suite, name: 'clean_accuracy', value: r.cleanAccuracy },
    { suite, name: 'mean_corruption_accuracy', value: r.meanCorruptionAccuracy },
    { suite, name: 'mce', value: r.mCE },
    { suite, name: 'relative_mce', value: r.relativeMCE },
  ];
  for (const c of r.corruptions) {
    rows.push(
      { suite, name: 'corruption_error', value: c.corruptionError, params: { corruption: c.corruption } },
      {
        suite,
        name: 'relative_corruption_error',
        value: c.relativeCorruptionError,
        params: { corruption: c.corruption },
      },
    );
    for (const q of c.points)
      rows.push({
        suite,
        name: 'accuracy',
        value: q.accuracy,
        params: { corruption: c.corruption, severity: q.severity },
      });
  }
  return rows;
}

function policyRows(r: PolicyResult): MetricRow[] {
  return [
    { suite: 'policy', name: 'pass', value: r.pass ? 1 : 0 },
    ...r.gates.flatMap((g) => [
      {
        suite: 'policy',
        name: 'gate_pass',
        value: g.pass ? 1 : 0,
        params: { gate: g.gate, detail: g.detail },
      },
      { suite: 'policy', name: 'gate_value', value: g.value, params: { gate: g.gate, detail: g.detail } },
      { suite: 'policy', name: 'gate_limit', value: g.limit, params: { gate: g.gate, detail: g.detail } },
    ]),
  ];
}

function detectionRows(r: DetectionResult): MetricRow[] {
  const suite = 'mutation-detection';
  const rows: MetricRow[] = [
    { suite, name: 'mutants', value: r.acceptedMutants },
    { suite, name: 'lcr_threshold', value: r.sprt.threshold },
  ];
  for (const a of r.attacks) {
    const params = { attack: a.attack, epsilon: a.epsilon };
    rows.push(
      { suite, name: 'adversarial_inputs', value: a.adversarial, params },
      { suite, name: 'auc', value: a.auc, params },
      { suite, name: 'mean_lcr_normal', value: a.meanLcrNormal, params },
      { suite, name: 'mean_lcr_adversarial', value: a.meanLcrAdversarial, params },
      { suite, name: 'detection_rate', value: a.detectionRate, params },
      { suite, name: 'false_positive_rate', value: a.falsePositiveRate, params },
      { suite, name: 'mean_mutants_used', value: a.meanMutantsUsed, params },
    );
  }
  return rows;
}

function membershipRows(r: MembershipResult): MetricRow[] {
  const suite = 'membership';
  const rows: MetricRow[] = [];
  // One set of rows per question asked (sample level, patient level), each tagged with its question.
  for (const q of [r.sampleLevel, r.patientLevel]) {
    // Validations stored before the two questions were separated have neither.
    if (q === undefined || !('question' in q)) continue;
    const question = q.question;
    rows.push(
      { suite, name: 'members', value: q.members, params: { question } },
      { suite, name: 'non_members', value: q.nonMembers, params: { question } },
    );
    const figures = (f: MembershipFigures, role: string): void => {
      const attacks = [
        ['loss-threshold', f.lossThreshold] as const,
        ...(f.lira !== null ? [['lira', f.lira] as const] : []),
      ];
      for (const [attack, a] of attacks) {
        const params = { model: f.modelId, role, attack, question };
        rows.push(
          { suite, name: 'auc', value: a.auc, params },
          { suite, name: 'advantage', value: a.advantage, params },
          { suite, name: 'tpr_at_fpr_0.001', value: a.tprAtFpr0001, params },
          { suite, name: 'tpr_at_fpr_0.01', value: a.tprAtFpr001, params },
        );
      }
    };
    figures(q.model, 'model');
    if (q.parent !== null) figures(q.parent, 'parent');
  }
  return rows;
}

function disagreementRows(r: DisagreementResult): MetricRow[] {
  const suite = 'disagreement';
  const base = { parent: r.parentId };
  const rows: MetricRow[] = [
    { suite, name: 'disagreement', value: r.disagreement, params: base },
    { suite, name: 'flipped_count', value: r.flippedCount, params: base },
    { suite, name: 'lost_count', value: r.lostCount, params: base },
    { suite, name: 'gained_count', value: r.gainedCount, params: base },
    { suite, name: 'pie_count', value: r.pies.count, params: base },
    { suite, name: 'seeds_model', value: r.populations.model.length, params: base },
    { suite, name: 'seeds_parent', value: r.populations.parent.length, params: base },
  ];
  for (const c of r.perClass) {
    const params = { ...base, class: c.label };
    rows.push(
      { suite, name: 'recall_change', value: c.change, params },
      { suite, name: 'mcnemar_p', value: c.mcnemar.pValue, params },
      { suite, name: 'significant', value: c.significant ? 1 : 0, params },
    );
    if (c.welch !== null) rows.push({ suite, name: 'welch_p', value: c.welch.pValue, params });
  }
  return rows;
}

function calibrationFigureRows(f: CalibrationFigures, stage: string): MetricRow[] {
  const suite = 'calibration';
  const params = { stage, bins: f.bins.length };
  return [
    { suite, name: 'ece', value: f.ece, params },
    { suite, name: 'mce', value: f.mce, params },
    { suite, name: 'nll', value: f.nll, params },
    { suite, name: 'brier', value: f.brier, params },
  ];
}

function calibrationRows(r: CalibrationResult): MetricRow[] {
  return [
    ...calibrationFigureRows(r.before, 'model'),
    ...(r.temperature !== null
      ? [{ suite: 'calibration', name: 'temperature', value: r.temperature.temperature }]
      : []),
    ...(r.after !== null ? calibrationFigureRows(r.after, 'temperature-scaled') : []),
  ];
}

/** One attack sweep: accuracy and success rates per budget, with the attack's identity in params. */
function sweepRows(suite: string, r: AttackSweep): MetricRow[] {
  const base: Record<string, string | number> = {
    attack: r.attack,
    norm: r.norm,
    unit: r.unit,
    ...(r.target !== undefined ? { target: r.target } : {}),
  };
  const rows: MetricRow[] = [{ suite, name: 'clean_accuracy', value: r.cleanAccuracy, params: base }];
  for (const point of r.points) {
    const params = { ...base, epsilon: point.epsilon };
    rows.push(
      { suite, name: 'accuracy', value: point.accuracy, params },
      { suite, name: 'attack_success_rate', value: point.attackSuccessRate, params },
    );
    if (point.targetSuccessRate !== undefined)
      rows.push({ suite, name: 'target_success_rate', value: point.targetSuccessRate, params });
  }
  return rows;
}

function transferRows(r: TransferResult): MetricRow[] {
  return [
    ...sweepRows('transfer', r.transfer),
    ...(r.whiteBox !== null ? sweepRows('transfer', r.whiteBox) : []),
    { suite: 'transfer', name: 'gradient_masking_suspected', value: r.gradientMaskingSuspected ? 1 : 0 },
  ];
}

/** A 95% interval as two rows, NAME_ci95_low and NAME_ci95_high (nulls where undefined). */
function intervalRows(
  suite: string,
  name: string,
  value: Interval | null | undefined,
  params?: Record<string, string | number>,
): MetricRow[] {
  if (value === undefined) return [];
  const at = params !== undefined ? { params } : {};
  return [
    { suite, name: `${name}_ci95_low`, value: value?.[0] ?? null, ...at },
    { suite, name: `${name}_ci95_high`, value: value?.[1] ?? null, ...at },
  ];
}

function cleanRows(m: CleanFigures): MetricRow[] {
  const suite = 'clean';
  const b = m.bootstrap ?? undefined;
  // The stated intervals (bootstrap with enough records, else exact) where present; older results: bootstrap.
  const stated = m.intervals;
  const overall = (key: 'accuracy' | 'macroF1'): Interval | null | undefined =>
    stated !== undefined ? stated[key].interval : b?.[key];
  const ofClass = (
    label: string,
    key: 'sensitivity' | 'positivePredictivity' | 'f1',
  ): Interval | null | undefined =>
    stated !== undefined
      ? (stated.perClass[label]?.[key].interval ?? null)
      : b !== undefined
        ? (b.perClass[label]?.[key] ?? null)
        : undefined;
  const rows: MetricRow[] = [
    { suite, name: 'n', value: m.n },
    { suite, name: 'accuracy', value: m.accuracy },
    { suite, name: 'macro_f1', value: m.macroF1 },
    ...intervalRows(suite, 'accuracy', overall('accuracy')),
    ...intervalRows(suite, 'macro_f1', overall('macroF1')),
  ];
  for (const c of m.perClass) {
    const params = { class: c.label };
    rows.push(
      { suite, name: 'support', value: c.support, params },
      { suite, name: 'predicted', value: c.predicted, params },
      { suite, name: 'sensitivity', value: c.sensitivity, params },
      { suite, name: 'positive_predictivity', value: c.positivePredictivity, params },
      { suite, name: 'f1', value: c.f1, params },
      { suite, name: 'specificity', value: c.specificity ?? null, params },
      ...intervalRows(suite, 'sensitivity', ofClass(c.label, 'sensitivity'), params),
      ...intervalRows(suite, 'positive_predictivity', ofClass(c.label, 'positivePredictivity'), params),
      ...intervalRows(suite, 'f1', ofClass(c.label, 'f1'), params),
    );
  }
  for (const roc of m.roc?.perClass ?? [])
    rows.push({ suite, name: 'auc', value: roc.auc, params: { class: roc.label } });
  if (m.roc !== undefined)
    rows.push(
      { suite, name: 'macro_auc', value: m.roc.macroAuc },
      { suite, name: 'weighted_auc', value: m.roc.weightedAuc },
    );
  if (m.decisionRule?.kind === 'threshold')
    rows.push({
      suite,
      name: 'operating_threshold',
      value: m.decisionRule.threshold,
      params: { class: m.decisionRule.positiveClass },
    });
  if (m.temperature !== undefined)
    rows.push({ suite, name: 'temperature', value: m.temperature.temperature });
  m.confusion.forEach((row, t) =>
    row.forEach((count, p) =>
      rows.push({
        suite,
        name: 'confusion',
        value: count,
        params: { true: m.labels[t] as string, predicted: m.labels[p] as string },
      }),
    ),
  );
  return rows;
}

function fgsmRows(r: FgsmResult): MetricRow[] {
  const suite = 'fgsm';
  const rows: MetricRow[] = [
    { suite, name: 'n', value: r.n },
    { suite, name: 'clean_accuracy', value: r.cleanAccuracy },
  ];
  for (const point of r.points) {
    const params = { epsilon: point.epsilon, unit: r.unit, norm: r.norm };
    rows.push(
      { suite, name: 'accuracy', value: point.accuracy, params },
      { suite, name: 'attack_success_rate', value: point.attackSuccessRate, params },
    );
  }
  return rows;
}

function noiseRows(r: NoiseStressResult): MetricRow[] {
  const suite = 'noise';
  const rows: MetricRow[] = [
    { suite, name: 'clean_accuracy', value: r.clean.accuracy },
    { suite, name: 'clean_macro_f1', value: r.clean.macroF1 },
  ];
  for (const curve of r.noises) {
    if (curve.kind !== 'amplitude-scaling')
      rows.push({ suite, name: 'noise_rms_mv', value: curve.noiseRms, params: { noise: curve.noise } });
    for (const point of curve.points) {
      const params = { noise: curve.noise, snr_db: point.snrDb };
      rows.push(
        { suite, name: 'accuracy', value: point.accuracy, params },
        { suite, name: 'macro_f1', value: point.macroF1, params },
      );
      for (const [label, value] of Object.entries(point.sensitivity ?? {}))
        rows.push({ suite, name: 'sensitivity', value, params: { ...params, class: label } });
    }
  }
  return rows;
}
