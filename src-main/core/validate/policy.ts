import { readFileSync } from 'node:fs';
import { POLICY_CRITERIA, policySchema, type Policy } from './policy-schema.js';
import { badInput } from '../errors.js';
import type { ClassificationMetrics } from '../metrics/metrics.js';
import type { ValidationResults } from './rows.js';
import type { SuiteName } from './validate-options.js';
import type { Interval } from './record-bootstrap.js';
import { classCriterionValue, type ClassScores } from './policy-class-criteria.js';

/**
 * Acceptance criteria a reviewer sets without code, as a JSON file (templates per domain in
 * policy-templates.ts): per-class sensitivity, positive predictivity, specificity, F1, AUC or AP (gross or
 * averaged over records, as ANSI/AAMI EC57), sensitivity at a fixed specificity, minimum accuracy, the largest
 * drop against the parent (overall and per class), the lowest accuracy under an attack or a noise level, the
 * largest membership advantage and ECE, the fewest test records and samples per class.
 * A gate that cannot be evaluated (no parent, a suite that failed to produce the figure) fails: a reviewer
 * cannot sign what was not measured. A gate measured with an interval passes only when the whole interval
 * is on the right side of the limit, fails when the whole interval is on the wrong side, and is otherwise
 * "not decided: more data needed".
 */
export { CLASS_METRICS, POLICY_CRITERIA, policySchema, type Policy } from './policy-schema.js';
type RobustGate = NonNullable<Policy['minRobustAccuracy']>[number];

export type GateStatus = 'pass' | 'fail' | 'undecided';
export type Verdict = 'PASS' | 'FAIL' | 'NOT DECIDED';

export interface GateResult {
  gate: string;
  limit: number;
  value: number | null;
  pass: boolean;
  /** undecided: the interval straddles the limit (more data needed). */
  status: GateStatus;
  /** The interval of the value where the figure has one, and how it was computed. */
  interval?: Interval | null;
  intervalMethod?: string;
  detail: string;
}

export interface PolicyResult {
  name: string | null;
  /** True only for a PASS verdict. */
  pass: boolean;
  verdict: Verdict;
  gates: GateResult[];
}

/** What a policy reads beyond the stored results: test record counts and each class's scores. */
export interface PolicyContext {
  testRecords?: number;
  recordsPerClass?: Record<string, number>;
  scoresOf?: (label: string) => ClassScores | undefined;
}

export function loadPolicy(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw badInput(`cannot read the policy: ${(error as Error).message}`, file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw badInput(`the policy is not JSON: ${(error as Error).message}`, file);
  }
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    if (issue?.code === 'unrecognized_keys') {
      const known = issue.path.length === 0 ? `; known criteria: ${POLICY_CRITERIA.join(', ')}` : '';
      throw badInput(
        `policy ${where}: unknown criterion ${issue.keys.map((k) => `"${k}"`).join(', ')}${known}`,
        file,
      );
    }
    const got = issue?.path.reduce<unknown>(
      (v, key) =>
        v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined,
      json,
    );
    throw badInput(
      `policy ${where}: ${issue?.message ?? 'invalid'}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`,
      file,
    );
  }
  for (const gate of parsed.data.minRobustAccuracy ?? []) {
    const needed = gate.suite === 'noise' ? 'snrDb' : gate.suite === 'corruptions' ? 'severity' : 'epsilon';
    if (gate[needed] === undefined)
      throw badInput(`policy minRobustAccuracy: a ${gate.suite} gate needs ${needed}`, file);
    const physical = gate.unit !== undefined && gate.unit !== 'input';
    if (
      physical &&
      !(gate.suite === 'fgsm' || gate.suite === 'square' || (gate.suite === 'pgd' && gate.norm !== 'L2'))
    )
      throw badInput(
        `policy minRobustAccuracy: unit ${gate.unit} is for amplitude budgets (fgsm, pgd L-inf, square), not a ${gate.suite}${gate.norm === 'L2' ? ' L2' : ''} gate`,
        file,
      );
  }
  return parsed.data;
}

/** The suites and sweep points a policy needs measured, so that validate can add them to its run. */
export function policyNeeds(policy: Policy): {
  suites: SuiteName[];
  epsilons: number[];
  l2Epsilons: number[];
  budgets: number[];
  snrs: number[];
} {
  const suites = new Set<SuiteName>();
  if (
    policy.minAccuracy !== undefined ||
    policy.classCriteria !== undefined ||
    policy.sensitivityAtSpecificity !== undefined ||
    policy.maxAccuracyDrop !== undefined ||
    policy.maxMacroF1Drop !== undefined ||
    policy.maxClassRecallDrop !== undefined
  )
    suites.add('clean');
  if (policy.maxEce !== undefined) suites.add('calibration');
  if (policy.maxMembershipAdvantage !== undefined) suites.add('membership');
  if (policy.maxCorruptionError !== undefined) suites.add('corruptions');
  const epsilons: number[] = [];
  const l2Epsilons: number[] = [];
  const budgets: number[] = [];
  const snrs: number[] = [];
  for (const gate of policy.minRobustAccuracy ?? []) {
    suites.add(gate.suite);
    if (gate.suite === 'corruptions') continue;
    if (gate.suite === 'noise') snrs.push(gate.snrDb as number);
    else if (gate.suite === 'sparse') budgets.push(gate.epsilon as number);
    else if (gate.suite === 'pgd' && gate.norm === 'L2') l2Epsilons.push(gate.epsilon as number);
    else epsilons.push(gate.epsilon as number);
  }
  return { suites: [...suites], epsilons, l2Epsilons, budgets, snrs };
}

const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

function robustValue(gate: RobustGate, r: ValidationResults): { value: number | null; detail: string } {
  if (gate.suite === 'noise') {
    const curves = (r.noise?.noises ?? []).filter((c) => gate.noise === undefined || c.noise === gate.noise);
    const values = curves.flatMap((c) =>
      c.points
        .filter((p) => same(p.snrDb, gate.snrDb as number))
        .map((p) => ({ noise: c.noise, accuracy: p.accuracy })),
    );
    if (values.length === 0) return { value: null, detail: `no noise stress result at ${gate.snrDb} dB` };
    const worst = values.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
    return { value: worst.accuracy, detail: `worst noise ${worst.noise} at ${gate.snrDb} dB` };
  }
  if (gate.suite === 'corruptions') {
    const curves = (r.corruptions?.corruptions ?? []).filter(
      (c) => gate.corruption === undefined || c.corruption === gate.corruption,
    );
    const values = curves.flatMap((c) =>
      c.points
        .filter((p) => p.severity === gate.severity)
        .map((p) => ({ corruption: c.corruption, accuracy: p.accuracy })),
    );
    if (values.length === 0)
      return { value: null, detail: `no corruption result at severity ${gate.severity}` };
    const worst = values.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
    return {
      value: worst.accuracy,
      detail: `worst corruption ${worst.corruption} at severity ${gate.severity}`,
    };
  }
  if (gate.suite === 'fgsm') {
    const point = r.fgsm?.points.find((p) => same(p.epsilon, gate.epsilon as number));
    return { value: point?.accuracy ?? null, detail: `FGSM at epsilon ${gate.epsilon}` };
  }
  const sweeps = (r[gate.suite]?.sweeps ?? []).filter(
    (s) => !s.targeted && (gate.suite !== 'pgd' || s.norm === (gate.norm ?? 'Linf')),
  );
  const point = sweeps[0]?.points.find((p) => same(p.epsilon, gate.epsilon as number));
  return {
    value: point?.accuracy ?? null,
    detail: `${gate.suite}${gate.suite === 'pgd' ? ` ${gate.norm ?? 'Linf'}` : ''} at ${gate.epsilon}`,
  };
}

/** Every gate of the policy against this validation's results and, for drops, the parent's clean metrics. */
export function evaluatePolicy(
  policy: Policy,
  results: ValidationResults,
  parentClean: ClassificationMetrics | undefined,
  context: PolicyContext = {},
): PolicyResult {
  const gates: GateResult[] = [];
  const push = (
    gate: string,
    limit: number,
    value: number | null,
    detail: string,
    status: GateStatus,
    stated?: { interval: Interval | null; method: string },
  ): void => {
    gates.push({
      gate,
      limit,
      value,
      pass: status === 'pass',
      status,
      ...(stated !== undefined ? { interval: stated.interval, intervalMethod: stated.method } : {}),
      detail,
    });
  };
  const atMost = (gate: string, limit: number, value: number | null, detail: string): void =>
    push(gate, limit, value, detail, value !== null && value <= limit + 1e-12 ? 'pass' : 'fail');
  /** At least the limit; with an interval, decided only when the whole interval is on one side. */
  const atLeast = (
    gate: string,
    limit: number,
    value: number | null,
    detail: string,
    stated?: { interval: Interval | null; method: string },
  ): void => {
    const interval = stated?.interval ?? null;
    // A figure that has intervals but where none can be given (a single record) cannot decide either way.
    const status: GateStatus =
      value === null
        ? 'fail'
        : stated !== undefined && interval === null
          ? 'undecided'
          : interval === null
            ? value >= limit - 1e-12
              ? 'pass'
              : 'fail'
            : interval[0] >= limit - 1e-12
              ? 'pass'
              : interval[1] < limit - 1e-12
                ? 'fail'
                : 'undecided';
    push(gate, limit, value, detail, status, stated);
  };
  const clean = results.clean;
  if (policy.minTestRecords !== undefined)
    atLeast(
      'min_test_records',
      policy.minTestRecords,
      context.testRecords ?? null,
      'records (patients) on the test side',
    );
  const perClassLimit = (limits: number | Record<string, number>, label: string): number | undefined =>
    typeof limits === 'number' ? limits : (limits[label] ?? limits['*']);
  if (policy.minTestRecordsPerClass !== undefined) {
    for (const [label, records] of Object.entries(context.recordsPerClass ?? {})) {
      const limit = perClassLimit(policy.minTestRecordsPerClass, label);
      if (limit !== undefined)
        atLeast(`min_test_records:${label}`, limit, records, `test records holding ${label}`);
    }
  }
  if (policy.minTestSamplesPerClass !== undefined) {
    for (const c of clean?.perClass ?? []) {
      const limit = perClassLimit(policy.minTestSamplesPerClass, c.label);
      if (limit !== undefined)
        atLeast(`min_test_samples:${c.label}`, limit, c.support, `test samples of ${c.label}`);
    }
  }
  if (policy.minAccuracy !== undefined) {
    const stated = clean?.intervals?.accuracy;
    atLeast(
      'min_accuracy',
      policy.minAccuracy,
      clean?.accuracy ?? null,
      clean === undefined ? 'no clean result' : 'accuracy on the test split',
      stated,
    );
  }
  for (const criterion of policy.classCriteria ?? []) {
    const measured = classCriterionValue(criterion, results, context.scoresOf);
    atLeast(
      `min_${criterion.metric}:${criterion.class}${criterion.pooling === 'average' ? ':average' : ''}`,
      criterion.min,
      measured.value,
      measured.detail,
      measured.stated,
    );
  }
  for (const criterion of policy.sensitivityAtSpecificity ?? []) {
    const measured = classCriterionValue(
      { class: criterion.class, metric: 'sensitivity', min: criterion.minSensitivity },
      results,
      context.scoresOf,
      criterion.specificity,
    );
    atLeast(
      `min_sensitivity_at_specificity:${criterion.class}`,
      criterion.minSensitivity,
      measured.value,
      measured.detail,
      measured.stated,
    );
  }
  const drop = (ours: number | null | undefined, theirs: number | null | undefined): number | null =>
    typeof ours === 'number' && typeof theirs === 'number' ? theirs - ours : null;
  const noParent = parentClean === undefined ? 'no parent to compare with' : '';
  if (policy.maxAccuracyDrop !== undefined)
    atMost(
      'max_accuracy_drop',
      policy.maxAccuracyDrop,
      drop(clean?.accuracy, parentClean?.accuracy),
      noParent || "parent accuracy minus this model's",
    );
  if (policy.maxMacroF1Drop !== undefined)
    atMost(
      'max_macro_f1_drop',
      policy.maxMacroF1Drop,
      drop(clean?.macroF1, parentClean?.macroF1),
      noParent || "parent macro-F1 minus this model's",
    );
  if (policy.maxClassRecallDrop !== undefined) {
    const limits = policy.maxClassRecallDrop;
    for (const c of clean?.perClass ?? []) {
      const limit = typeof limits === 'number' ? limits : (limits[c.label] ?? limits['*']);
      if (limit === undefined || c.support === 0) continue;
      const theirs = parentClean?.perClass.find((p) => p.label === c.label)?.sensitivity;
      atMost(
        `max_class_recall_drop:${c.label}`,
        limit,
        drop(c.sensitivity, theirs),
        noParent || `sensitivity of ${c.label} (n=${c.support})`,
      );
    }
  }
  for (const gate of policy.minRobustAccuracy ?? []) {
    const { value, detail } = robustValue(gate, results);
    // A budget the policy gave in mV or grey levels says so beside its value in input units.
    const budget = (gate as { budgetNote?: string }).budgetNote;
    atLeast(
      `min_robust_accuracy:${gate.suite}`,
      gate.minAccuracy,
      value,
      budget !== undefined ? `${detail} (${budget})` : detail,
    );
  }
  if (policy.maxMembershipAdvantage !== undefined) {
    const m = results.membership?.model;
    const value = m !== undefined ? Math.max(m.lossThreshold.advantage, m.lira?.advantage ?? 0) : null;
    atMost(
      'max_membership_advantage',
      policy.maxMembershipAdvantage,
      value,
      'largest of the loss-threshold and LiRA advantages',
    );
  }
  if (policy.maxCorruptionError !== undefined)
    atMost(
      'max_corruption_error',
      policy.maxCorruptionError,
      results.corruptions?.mCE ?? null,
      'mean corruption error against the parent (needs a parent)',
    );
  if (policy.maxEce !== undefined) {
    const calibration = results.calibration;
    // The model's own probabilities: temperature scaling is a separate, optional step the gate does not assume.
    const value = calibration !== undefined ? calibration.before.ece : null;
    atMost(
      'max_ece',
      policy.maxEce,
      value,
      `ECE over ${calibration?.bins ?? 15} bins, as the model outputs them`,
    );
  }
  if (policy.minMeanAp !== undefined)
    push(
      'min_mean_ap',
      policy.minMeanAp,
      null,
      'not measured: mAP is a detector figure (attest detect evaluate --policy)',
      'fail',
    );
  const verdict: Verdict = gates.some((g) => g.status === 'fail')
    ? 'FAIL'
    : gates.some((g) => g.status === 'undecided')
      ? 'NOT DECIDED'
      : 'PASS';
  return { name: policy.name ?? null, pass: verdict === 'PASS', verdict, gates };
}
