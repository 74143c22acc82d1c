import { badInput } from '../errors.js';
import type { Policy, PolicyResult, GateResult, GateStatus, Verdict } from '../validate/policy.js';
import type { DetectionEvaluation } from './average-precision.js';
import type { DetectionIntervals } from './detection-findings.js';

/** The criteria of a policy file that a detector's evaluation measures; any other is refused before it runs. */
const DETECTION_CRITERIA = new Set([
  'name',
  'description',
  'classCriteria',
  'minMeanAp',
  'minTestRecords',
  'minTestSamplesPerClass',
]);

/** Refuses, before the evaluation runs, a policy with criteria a detector's evaluation does not measure. */
export function checkDetectionPolicy(policy: Policy, file: string): void {
  const other = Object.keys(policy).filter((key) => !DETECTION_CRITERIA.has(key));
  const notAp = (policy.classCriteria ?? []).filter((c) => c.metric !== 'ap');
  if (other.length > 0 || notAp.length > 0)
    throw badInput(
      `a detector's evaluation measures AP per class (classCriteria with metric "ap"), minMeanAp, minTestRecords (frames) and minTestSamplesPerClass (objects); ` +
        `this policy also asks for ${[...other, ...notAp.map((c) => `classCriteria ${c.class} ${c.metric}`)].join(', ')}`,
      file,
    );
}

function perClass(limits: number | Record<string, number>, label: string): number | undefined {
  return typeof limits === 'number' ? limits : (limits[label] ?? limits['*']);
}

/**
 * The verdict of a detector's evaluation under a policy: each gate PASS or FAIL with the measured value and its
 * interval, "not decided: more data needed" when the interval straddles the limit or none can be given, as for
 * classifiers (policy.ts).
 */
export function detectionVerdict(
  policy: Policy,
  evaluation: DetectionEvaluation,
  intervals: DetectionIntervals,
): PolicyResult {
  const gates: GateResult[] = [];
  const atLeast = (
    gate: string,
    limit: number,
    value: number | null,
    detail: string,
    interval?: [number, number] | null,
  ): void => {
    const status: GateStatus =
      value === null
        ? 'fail'
        : interval === undefined
          ? value >= limit - 1e-12
            ? 'pass'
            : 'fail'
          : interval === null
            ? 'undecided'
            : interval[0] >= limit - 1e-12
              ? 'pass'
              : interval[1] < limit - 1e-12
                ? 'fail'
                : 'undecided';
    gates.push({
      gate,
      limit,
      value,
      pass: status === 'pass',
      status,
      ...(interval !== undefined ? { interval, intervalMethod: intervals.method } : {}),
      detail,
    });
  };
  if (policy.minTestRecords !== undefined)
    atLeast('min_test_records', policy.minTestRecords, evaluation.frames, 'test frames');
  if (policy.minTestSamplesPerClass !== undefined)
    for (const c of evaluation.classes) {
      const limit = perClass(policy.minTestSamplesPerClass, c.name);
      if (limit !== undefined)
        atLeast(
          `min_test_samples_per_class:${c.name}`,
          limit,
          c.truths,
          `"${c.name}" objects in the test frames`,
        );
    }
  if (policy.minMeanAp !== undefined)
    atLeast('min_mean_ap', policy.minMeanAp, evaluation.map50, 'mAP@0.5 (Pascal VOC)', intervals.map50);
  for (const criterion of policy.classCriteria ?? []) {
    const c = evaluation.classes.find((k) => k.name === criterion.class);
    if (c === undefined)
      throw badInput(
        `the policy sets AP for class "${criterion.class}", which the detector does not have (${evaluation.classes.map((k) => k.name).join(', ')})`,
      );
    atLeast(
      `class:${c.name}:ap`,
      criterion.min,
      c.ap50,
      `AP@0.5 of "${c.name}"`,
      intervals.perClass[c.name] ?? null,
    );
  }
  const verdict: Verdict = gates.some((g) => g.status === 'fail')
    ? 'FAIL'
    : gates.some((g) => g.status === 'undecided')
      ? 'NOT DECIDED'
      : 'PASS';
  return { name: policy.name ?? null, pass: verdict === 'PASS', verdict, gates };
}
