import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ACTIONS,
  DEFAULT_DETECTION_CORRUPTIONS,
  DETECTION_CORRUPTIONS,
  DETECTION_JOB_KINDS,
  DETECTION_SUITES,
  jobSpecSchema,
} from '../../src-main/contract/index.js';
import { IMAGE_CORRUPTIONS } from '../../src-main/core/validate/image-corruptions.js';
import {
  DEFAULT_DETECTION_CORRUPTIONS as CORE_DEFAULT_CORRUPTIONS,
  DETECTION_CORRUPTIONS_SUITE,
} from '../../src-main/core/pipelines/detect/corruption-robustness.js';
import { OBJECT_DETECTION_SUITE } from '../../src-main/core/pipelines/detect/evaluate-detector.js';
import { DETECTION_PGD_SUITE } from '../../src-main/core/pipelines/detect/pgd-detection.js';
import { COMMANDS } from '../../src-main/cli/commands/index.js';

const parses = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

test('the detection constants are the core ones, and every detection job has its command', () => {
  assert.deepEqual([...DETECTION_CORRUPTIONS].sort(), Object.keys(IMAGE_CORRUPTIONS).sort());
  assert.deepEqual([...DEFAULT_DETECTION_CORRUPTIONS], [...CORE_DEFAULT_CORRUPTIONS]);
  assert.deepEqual(DETECTION_SUITES, {
    evaluation: OBJECT_DETECTION_SUITE,
    corruptions: DETECTION_CORRUPTIONS_SUITE,
    attack: DETECTION_PGD_SUITE,
  });
  const paths = COMMANDS.map((c) => c.path.join(' '));
  for (const kind of DETECTION_JOB_KINDS) {
    const command = kind === 'import-detection' ? 'import detection' : kind.replace('-', ' ');
    assert.ok(paths.includes(command), `${kind}: no command "${command}"`);
  }
});

test('detection jobs: sound requests pass; odd inputs, unknown corruptions, absurd budgets and extra fields are refused', () => {
  const sound = [
    { kind: 'import-detection', name: 'flights', paths: ['/data/voc'], maxSide: 320, testFraction: 0.3 },
    { kind: 'detect-train', datasetId: 'ds-1', epochs: 5, seed: 1, input: 128 },
    { kind: 'detect-evaluate', modelId: 'm-1', datasetId: 'ds-1', minScore: 0.3 },
    { kind: 'detect-curve', datasetId: 'ds-1', frames: [15, 30, 60, 120], steps: 300 },
    { kind: 'detect-compress', modelId: 'm-1', recipe: 'prune:0.5,quant:int8' },
    { kind: 'detect-robustness', modelId: 'm-1', corruptions: ['fog', 'glare'], severities: [1, 3, 5] },
    { kind: 'detect-attack', modelId: 'm-1', epsilons: [1 / 255, 8 / 255], steps: 5 },
  ];
  for (const spec of sound) assert.ok(parses(jobSpecSchema, spec), JSON.stringify(spec));
  const refused = [
    { kind: 'import-detection', name: 'flights', paths: [] },
    { kind: 'import-detection', name: ' ', paths: ['/data/voc'] },
    { kind: 'import-detection', name: 'x', paths: ['/data/voc'], testFraction: 1 },
    { kind: 'detect-train', datasetId: 'ds-1', epochs: 5, seed: 1, input: 100 },
    { kind: 'detect-train', datasetId: 'ds-1', epochs: 0, seed: 1 },
    { kind: 'detect-train', datasetId: 'ds-1', epochs: 5, seed: 1, arch: 'small-cnn' },
    { kind: 'detect-evaluate', modelId: 'm-1', datasetId: 'ds-1', minScore: 1 },
    { kind: 'detect-curve', datasetId: 'ds-1', frames: [] },
    { kind: 'detect-curve', datasetId: 'ds-1', frames: [0, 15] },
    { kind: 'detect-compress', modelId: 'm-1', recipe: '' },
    { kind: 'detect-robustness', modelId: 'm-1', corruptions: ['rain'] },
    { kind: 'detect-robustness', modelId: 'm-1', severities: [6] },
    { kind: 'detect-attack', modelId: 'm-1', epsilons: [0] },
    { kind: 'detect-attack', modelId: 'm-1', epsilons: [0.6] },
  ];
  for (const spec of refused) assert.ok(!parses(jobSpecSchema, spec), JSON.stringify(spec));
});

test('the frame reviewer: a threshold, a filter and a position; PNG data only in the answer', () => {
  const { request, response } = ACTIONS['detection.review'];
  assert.ok(parses(request, { modelId: 'm-1', minScore: 0.3, filter: 'misses', position: 0 }));
  assert.ok(
    parses(request, { modelId: 'm-1', validationId: 'val-1', minScore: 0.05, filter: 'all', position: 3 }),
  );
  for (const bad of [
    { modelId: 'm-1', minScore: 0, filter: 'all', position: 0 },
    { modelId: 'm-1', minScore: 0.3, filter: 'hits', position: 0 },
    { modelId: 'm-1', minScore: 0.3, filter: 'all', position: -1 },
    { modelId: 'm-1', minScore: 0.3, filter: 'all', position: 0, path: '/etc' },
  ])
    assert.ok(!parses(request, bad), JSON.stringify(bad));
  const frame = {
    index: 4,
    name: 'scene-001.png',
    group: 'flight-01',
    width: 2,
    height: 2,
    png: 'data:image/png;base64,iVBORw0KGgo=',
    truths: [{ x0: 0, y0: 0, x1: 1, y1: 1, classIndex: 0, difficult: false, found: true }],
    detections: [{ x0: 0, y0: 0, x1: 1, y1: 1, classIndex: 0, score: 0.9, falseAlarm: false }],
    hits: 1,
    misses: 0,
    falseAlarms: 0,
  };
  const answer = {
    modelId: 'm-1',
    validationId: 'val-1',
    datasetId: 'ds-1',
    split: 'test',
    classes: ['defect', 'insulator'],
    minScore: 0.3,
    frames: 5,
    matching: 1,
    totals: { objects: 1, hits: 1, misses: 0, falseAlarms: 0 },
    position: 0,
    frame,
  };
  assert.ok(parses(response, answer));
  assert.ok(parses(response, { ...answer, frame: null }));
  assert.ok(!parses(response, { ...answer, frame: { ...frame, png: 'file:///etc/passwd' } }));
});
