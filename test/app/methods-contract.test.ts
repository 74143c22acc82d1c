import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTIONS,
  AUGMENT_CONFIGURATION_NAMES,
  COMPARISON_OF_JOB,
  HARDENING_NAMES,
  LR_POLICY_NAMES,
  METHOD_JOB_KINDS,
  SEMI_METHODS,
  isMethodJob,
  jobSpecSchema,
} from '../../src-main/contract/index.js';
import { COMPARISON_KINDS } from '../../src-main/core/store/method-comparisons.js';
import { parseLrPolicy } from '../../src-main/core/train/lr-policy.js';
import { parseSemi } from '../../src-main/core/train/semi-supervised.js';
import { HARDENING_KINDS } from '../../src-main/core/train/adversarial-hardening.js';
import { AUGMENT_CONFIGURATIONS } from '../../src-main/core/pipelines/compare/compare-augmentation.js';
import { parseAugment } from '../../src-main/core/augment/augment-spec.js';

const train = { kind: 'train', datasetId: 'ds-1', arch: 'ecg-resnet', epochs: 1, seed: 1 };
const VALID = [
  { ...train, lrPolicy: 'onecycle:0.003', stability: '1:0.05', hardening: 'manifold:0' },
  { ...train, labeledFraction: 0.25, semi: 'mean-teacher', lowBit: 8 },
  { ...train, arch: 'small-cnn', augment: 'synthetic:0.5,classic', generatorEpochs: 3 },
  { kind: 'lr-find', datasetId: 'ds-1', arch: 'ecg-resnet', seed: 1, steps: 50, minRate: 1e-6, maxRate: 1 },
  {
    kind: 'lr-compare',
    datasetId: 'ds-1',
    arch: 'ecg-resnet',
    policies: ['constant', 'cosine'],
    epochs: 2,
    seeds: [1, 2],
  },
  {
    kind: 'semi-compare',
    datasetId: 'ds-1',
    arch: 'ecg-resnet',
    method: 'vat',
    fractions: [0.1, 0.25, 0.5],
    epochs: 1,
    seed: 1,
  },
  { kind: 'lowbit-compare', datasetId: 'ds-1', epochs: 1, seed: 1 },
  {
    kind: 'sparsity-compare',
    modelIds: ['m-1', 'm-2'],
    datasetId: 'ds-1',
    split: 'test',
    measureLatency: false,
  },
  { kind: 'explain-compare', modelIds: ['m-1'], datasetId: 'ds-1', split: 'test', samples: 10, steps: 8 },
  { kind: 'membership-compare', modelId: 'm-1', shadowModels: 0, membershipSamples: 50 },
  {
    kind: 'augment-compare',
    datasetId: 'ds-1',
    fractions: [0.25, 1],
    seeds: [1],
    epochs: 2,
    ratio: 0.5,
    configurations: ['none', 'synthetic'],
  },
];

test('method jobs: the train options and every comparison job parse, and each kind is dispatched as a method job', () => {
  for (const spec of VALID) {
    const parsed = jobSpecSchema.safeParse(spec);
    assert.equal(parsed.success, true, `${JSON.stringify(spec)}: ${parsed.error?.message ?? ''}`);
    assert.deepEqual(parsed.data, spec, 'nothing added or dropped');
  }
  assert.deepEqual(
    [...new Set(VALID.map((s) => s.kind).filter((k) => k !== 'train'))].sort(),
    [...METHOD_JOB_KINDS].sort(),
    'every method job kind is exercised here',
  );
  for (const kind of METHOD_JOB_KINDS) {
    assert.equal(isMethodJob({ kind }), true);
    const stored = COMPARISON_OF_JOB[kind];
    if (stored !== null) assert.ok((COMPARISON_KINDS as readonly string[]).includes(stored), kind);
  }
  assert.equal(isMethodJob({ kind: 'train' }), false);
});

test('method jobs refuse absurd or unknown values by schema, before the engine sees them', () => {
  for (const bad of [
    { ...train, labeledFraction: 0 },
    { ...train, labeledFraction: 1.5 },
    { ...train, lowBit: 4 },
    { ...train, lrPolicy: '' },
    { ...train, lrPolicy: 'x'.repeat(201) },
    { ...train, semi: 3 },
    { kind: 'lr-find', datasetId: 'ds-1', arch: 'ecg-resnet', seed: 1, steps: 5 },
    { kind: 'lr-compare', datasetId: 'ds-1', arch: 'ecg-resnet', policies: [], epochs: 1, seeds: [1] },
    {
      kind: 'lr-compare',
      datasetId: 'ds-1',
      arch: 'ecg-resnet',
      policies: ['constant'],
      epochs: 1,
      seeds: [],
    },
    {
      kind: 'semi-compare',
      datasetId: 'ds-1',
      arch: 'ecg-resnet',
      method: 'vat',
      fractions: [0],
      epochs: 1,
      seed: 1,
    },
    { kind: 'lowbit-compare', datasetId: 'ds-1', epochs: 0, seed: 1 },
    { kind: 'lowbit-compare', datasetId: 'ds-1', epochs: 1, seed: 1, bits: 4 },
    { kind: 'sparsity-compare', modelIds: [], datasetId: 'ds-1', split: 'test' },
    { kind: 'sparsity-compare', modelIds: ['m-1'], datasetId: 'ds-1', split: 'validation' },
    { kind: 'explain-compare', modelIds: ['m-1'], datasetId: 'ds-1', split: 'test', steps: 2 },
    { kind: 'membership-compare', modelId: 'm-1', shadowModels: 65 },
    { kind: 'membership-compare', modelId: '' },
    { kind: 'augment-compare', datasetId: 'ds-1', configurations: ['none', 'mixup'] },
    { kind: 'augment-compare', datasetId: 'ds-1', ratio: 20 },
    { ...train, augment: '' },
  ])
    assert.equal(jobSpecSchema.safeParse(bad).success, false, JSON.stringify(bad));
});

test('the offered policies, semi-supervised methods and hardenings are the ones the core parses', () => {
  for (const name of LR_POLICY_NAMES) {
    // The cyclic policies need their rates; the UI fills them from the learning rate.
    const text =
      name === 'step'
        ? 'step:2:0.5'
        : name === 'exp'
          ? 'exp:0.9'
          : name === 'onecycle'
            ? 'onecycle:0.003'
            : name.startsWith('triangular')
              ? `${name}:0.0001:0.003`
              : name === 'exp-range'
                ? 'exp-range:0.0001:0.003:0.99'
                : name;
    assert.doesNotThrow(() => parseLrPolicy(text), name);
  }
  for (const method of SEMI_METHODS) assert.doesNotThrow(() => parseSemi(method), method);
  assert.deepEqual([...HARDENING_NAMES], HARDENING_KINDS);
  assert.deepEqual([...AUGMENT_CONFIGURATION_NAMES], [...AUGMENT_CONFIGURATIONS]);
  for (const text of ['classic', 'synthetic:1', 'synthetic:1,classic'])
    assert.doesNotThrow(() => parseAugment(text), text);
});

test('comparisons.list is a strict action (the desktop preload lists it: electron-shell.test.ts checks the two agree)', () => {
  const action = ACTIONS['comparisons.list'];
  assert.equal(action.request.safeParse({}).success, true);
  assert.equal(action.request.safeParse({ datasetId: 'ds-1' }).success, true);
  assert.equal(action.request.safeParse({ datasetId: 'ds-1', sql: 'DROP TABLE models' }).success, false);
  assert.equal(
    action.response.safeParse({
      comparisons: [
        {
          id: 'cmp-1',
          kind: 'low-bit',
          datasetId: 'ds-1',
          params: {},
          result: { rows: [] },
          backend: 'wasm',
          createdAt: 'now',
          models: [{ modelId: 'm-1', role: 'float' }],
        },
      ],
      trainingMethods: [
        {
          modelId: 'm-2',
          methods: [{ comparison: 'lr-policies', label: 'Learning-rate policy', value: 'cosine' }],
        },
      ],
    }).success,
    true,
  );
});
