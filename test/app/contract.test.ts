import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTION_NAMES,
  ACTIONS,
  ECG_NOISE_NAMES,
  VALIDATION_SUITES,
  engineEventSchema,
  jobSpecSchema,
  resultSchema,
} from '../../src-main/contract/index.js';
import { SUITES } from '../../src-main/core/validate/validate-options.js';
import { ECG_NOISES } from '../../src-main/core/validate/ecg-noises.js';
import { ERROR_CODES } from '../../src-main/contract/result.js';
import { z } from 'zod';

test('the contract lists the same suites and noises as the core, and every error code of the core', () => {
  assert.equal(VALIDATION_SUITES, SUITES);
  assert.deepEqual([...ECG_NOISE_NAMES].sort(), Object.keys(ECG_NOISES).sort());
  assert.deepEqual([...ERROR_CODES].sort(), [
    'BAD_INPUT',
    'CANCELLED',
    'FORBIDDEN',
    'INTERNAL',
    'NOT_FOUND',
    'UNAUTHENTICATED',
    'VERIFY_FAILED',
  ]);
});

test('requests are strict: unknown fields, absurd numbers and hostile names are refused by the schema', () => {
  const train = { kind: 'train', datasetId: 'ds-1', arch: 'ecg-resnet', epochs: 3, seed: 1 };
  assert.equal(jobSpecSchema.safeParse(train).success, true);
  for (const bad of [
    { ...train, epochs: 0 },
    { ...train, epochs: 2.5 },
    { ...train, learningRate: 5 },
    { ...train, exec: 'rm -rf /' },
    { ...train, kind: 'shell' },
    {
      kind: 'import-wfdb',
      name: 'x',
      split: 'ds1ds2',
      source: { kind: 'sample', records: ['../../etc/passwd'] },
    },
    { kind: 'import-wfdb', name: '', split: 'ds1ds2', source: { kind: 'sample', records: ['100'] } },
    { kind: 'validate', modelId: 'm', datasetId: 'd', split: 'test', suites: ['clean', 'telemetry'] },
    { kind: 'validate', modelId: 'm', datasetId: 'd', split: 'test', suites: [] },
  ])
    assert.equal(jobSpecSchema.safeParse(bad).success, false, JSON.stringify(bad));
  for (const name of ACTION_NAMES) {
    const request = ACTIONS[name].request as z.ZodType;
    assert.equal(request.safeParse({ __proto__x: 1, surprise: true }).success, false, name);
  }
});

test('results and events have one shape each', () => {
  const schema = resultSchema(z.object({ n: z.number() }));
  assert.equal(schema.safeParse({ ok: true, value: { n: 1 } }).success, true);
  assert.equal(
    schema.safeParse({ ok: false, error: { code: 'NOT_FOUND', message: 'no model m-1' } }).success,
    true,
  );
  assert.equal(schema.safeParse({ ok: false, error: { code: 'OOPS', message: '' } }).success, false);
  assert.equal(schema.safeParse({ ok: true }).success, false);
  assert.equal(engineEventSchema.safeParse({ type: 'store.changed', what: 'models' }).success, true);
  assert.equal(engineEventSchema.safeParse({ type: 'store.changed', what: 'passwords' }).success, false);
  assert.equal(engineEventSchema.safeParse({ type: 'eval', code: 'alert(1)' }).success, false);
});
