import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';

import { fgsmPerturb } from '../../src-main/core/validate/fgsm.js';
import { pgdPerturb } from '../../src-main/core/validate/pgd.js';
import { denseClassifier, prototypeTask, train, useCpuBackend } from './fixtures.js';
import { missingReference, PYTHON, pythonMissing } from '../helpers/reference.js';

const SCRIPT = fileURLToPath(
  new URL('../../../test/validate/reference/attacks_reference.py', import.meta.url),
);
const SHAPE = [16, 1];

before(useCpuBackend);

/** Largest absolute difference, and the fraction of values that differ by more than `tolerance`. */
function compare(ours: Float32Array, reference: number[][], tolerance: number): { max: number; off: number } {
  const flat = reference.flat();
  assert.equal(flat.length, ours.length);
  let max = 0;
  let off = 0;
  flat.forEach((v, i) => {
    const d = Math.abs(v - (ours[i] as number));
    max = Math.max(max, d);
    if (d > tolerance) off++;
  });
  return { max, off: off / flat.length };
}

test('FGSM and PGD (L-inf, L2) perturbations agree with an independent PyTorch implementation', async (t) => {
  const missing = pythonMissing('torch');
  if (missing !== undefined) return missingReference(t, missing);
  const model = denseClassifier(SHAPE, 3, 8, 21);
  const training = prototypeTask(300, 1);
  await train(model, training.inputs, SHAPE, training.labels, 3, 5);
  const task = prototypeTask(60, 9);
  const [w1, b1, w2, b2] = model.getWeights().map((w) => w.arraySync());
  const epsilon = 0.3;
  const steps = 5;
  const stepSize = 0.4;
  const settings = { steps, stepSize, randomStart: false, restarts: 1 };
  const ours = {
    fgsm: fgsmPerturb({
      model,
      inputs: task.inputs,
      sampleShape: SHAPE,
      labels: task.labels,
      classes: 3,
      epsilon,
    }),
    pgdLinf: pgdPerturb({
      model,
      inputs: task.inputs,
      sampleShape: SHAPE,
      labels: task.labels,
      classes: 3,
      epsilon,
      settings: { ...settings, norm: 'Linf' },
    }),
    pgdL2: pgdPerturb({
      model,
      inputs: task.inputs,
      sampleShape: SHAPE,
      labels: task.labels,
      classes: 3,
      epsilon,
      settings: { ...settings, norm: 'L2' },
    }),
  };
  model.dispose();
  const dir = mkdtempSync(join(tmpdir(), 'attest-torch-'));
  try {
    const file = join(dir, 'attack.json');
    writeFileSync(
      file,
      JSON.stringify({
        w1,
        b1,
        w2,
        b2,
        inputs: Array.from({ length: 60 }, (_, i) => Array.from(task.inputs.subarray(i * 16, i * 16 + 16))),
        labels: Array.from(task.labels),
        epsilon,
        steps,
        stepSize,
      }),
    );
    const run = spawnSync(PYTHON, [SCRIPT, file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const reference = JSON.parse(run.stdout) as Record<'fgsm' | 'pgdLinf' | 'pgdL2', number[][]>;
    for (const name of ['fgsm', 'pgdLinf', 'pgdL2'] as const) {
      const { max, off } = compare(ours[name], reference[name], 1e-4);
      // A gradient sign can flip where a gradient component is within float noise of zero: allow a handful.
      assert.ok(off <= 0.005, `${name}: ${(off * 100).toFixed(2)}% of values differ (max ${max})`);
      t.diagnostic(`${name}: max difference ${max.toExponential(2)}, ${(off * 100).toFixed(2)}% beyond 1e-4`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
