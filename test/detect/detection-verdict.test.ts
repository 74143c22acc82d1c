import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { evaluateDetections, type EvaluatedFrame } from '../../src-main/core/detect/average-precision.js';
import { detectionFindings, detectionIntervals } from '../../src-main/core/detect/detection-findings.js';
import { checkDetectionPolicy, detectionVerdict } from '../../src-main/core/detect/detection-verdict.js';
import { frameOutcomes } from '../../src-main/core/detect/frame-outcomes.js';
import { AttestError } from '../../src-main/core/errors.js';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

const CLASSES = ['crack', 'rust'];

/**
 * Frames with one crack and one rust spot each: the detector finds every crack (a few duplicates aside) and,
 * when `findsRust`, every rust spot too; otherwise it puts its rust detections where there is none.
 */
function frames(count: number, findsRust: boolean): EvaluatedFrame[] {
  return Array.from({ length: count }, (_, k) => {
    const crack = { x0: 0, y0: 0, x1: 10, y1: 10, classIndex: 0, difficult: false };
    const rust = { x0: 20, y0: 20, x1: 30, y1: 30, classIndex: 1, difficult: false };
    return {
      truths: [crack, rust],
      detections: [
        { ...crack, score: 0.9 - k * 0.001 },
        ...(k % 4 === 0 ? [{ x0: 40, y0: 40, x1: 50, y1: 50, classIndex: 0, score: 0.95 }] : []),
        findsRust ? { ...rust, score: 0.8 } : { x0: 60, y0: 60, x1: 70, y1: 70, classIndex: 1, score: 0.8 },
      ],
    };
  });
}

function evaluate(f: EvaluatedFrame[]) {
  const evaluation = evaluateDetections(f, CLASSES);
  const outcomes = frameOutcomes(
    f,
    f.map((_, k) => `frame ${k}`),
    0.5,
  );
  const intervals = detectionIntervals(f, CLASSES);
  return { evaluation, outcomes, intervals };
}

test('a detector that never finds a class gets a critical finding and fails its AP criterion; a sound one passes with intervals', () => {
  const blind = evaluate(frames(40, false));
  const findings = detectionFindings(blind.evaluation, blind.outcomes, 0.5, blind.intervals);
  const never = findings.find((f) => f.code === 'class-never-detected');
  assert.equal(never?.class, 'rust');
  assert.equal(never?.severity, 'critical');
  const policy = { classCriteria: [{ class: 'rust', metric: 'ap' as const, min: 0.5 }], minMeanAp: 0.5 };
  const failed = detectionVerdict(policy, blind.evaluation, blind.intervals);
  assert.equal(failed.verdict, 'FAIL');
  assert.equal(failed.gates.find((g) => g.gate === 'class:rust:ap')?.status, 'fail');

  const sound = evaluate(frames(40, true));
  const soundFindings = detectionFindings(sound.evaluation, sound.outcomes, 0.5, sound.intervals);
  assert.equal(soundFindings.filter((f) => f.severity === 'critical').length, 0);
  assert.ok(sound.intervals.map50 !== null);
  const [low, high] = sound.intervals.map50;
  assert.ok(low <= (sound.evaluation.map50 as number) && (sound.evaluation.map50 as number) <= high);
  const passed = detectionVerdict(policy, sound.evaluation, sound.intervals);
  assert.equal(passed.verdict, 'PASS', JSON.stringify(passed.gates));
  assert.match(passed.gates[0]?.intervalMethod ?? '', /bootstrap over test frames/);
});

test('few frames: no interval, a critical finding, and AP criteria are not decided', () => {
  const few = evaluate(frames(3, true));
  assert.equal(few.intervals.map50, null);
  const findings = detectionFindings(few.evaluation, few.outcomes, 0.5, few.intervals);
  assert.ok(findings.some((f) => f.code === 'too-few-records' && f.severity === 'critical'));
  const verdict = detectionVerdict({ minMeanAp: 0.5 }, few.evaluation, few.intervals);
  assert.equal(verdict.verdict, 'NOT DECIDED');
});

test('a policy with criteria a detector evaluation does not measure is refused before anything runs', async () => {
  assert.throws(
    () =>
      checkDetectionPolicy(
        { maxEce: 0.1, classCriteria: [{ class: 'crack', metric: 'sensitivity', min: 0.9 }] },
        'p.json',
      ),
    (error: unknown) =>
      error instanceof AttestError &&
      /p\.json: .*also asks for maxEce, classCriteria crack sensitivity/.test(error.message),
  );
  const home = tempHome('attest-detect-policy');
  try {
    const file = join(home.dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ minMeanAp: 0.5, maxEce: 0.1 }));
    const run = await runCli([
      'detect',
      'evaluate',
      '--model',
      'm-x',
      '--dataset',
      'ds-x',
      '--policy',
      file,
      '--home',
      home.dir,
      '--json',
    ]);
    assert.equal(run.code, 2, run.stdout);
    assert.match(
      run.stderr,
      /policy\.json: a detector's evaluation measures AP per class.*also asks for maxEce/,
    );
  } finally {
    home.cleanup();
  }
});
