import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recipeText, type RecipeChoices } from '../../src-renderer/src/lib/recipe.js';
import {
  importSpec,
  splitText,
  type ImportChoices,
  type ImportSource,
} from '../../src-renderer/src/lib/import-spec.js';
import { formatPercent, formatPoints, formatDuration } from '../../src-renderer/src/lib/format.js';
import { parseRecipe } from '../../src-main/core/compress/recipe.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { jobSpecSchema } from '../../src-main/contract/jobs.js';

/*
 * The UI's own logic, checked against the engine that receives what it builds: every recipe the compression
 * builder can produce is one the engine parses into the steps that were chosen, every import the wizard can
 * submit is a job the contract accepts, and the split it shows is the split the importer applies.
 */

test('every recipe the compression builder can produce parses into the chosen steps, in the engine’s order', () => {
  let combinations = 0;
  for (const filters of [false, true])
    for (const lowrank of [false, true])
      for (const prune of [false, true])
        for (const distill of [false, true])
          for (const storage of ['float32', 'int8', 'float16'] as const) {
            const choices: RecipeChoices = {
              prune,
              sparsity: 0.8,
              globalScope: combinations % 2 === 0,
              filters,
              keepFlops: 0.5,
              lowrank,
              energy: 0.9,
              distill,
              storage,
            };
            const text = recipeText(choices);
            if (text === '') {
              assert.ok(!filters && !lowrank && !prune && !distill && storage === 'float32');
              continue;
            }
            combinations++;
            const steps = parseRecipe(text);
            const expected = [
              ...(filters ? ['filters'] : []),
              ...(lowrank ? ['lowrank'] : []),
              ...(prune ? ['prune'] : []),
              ...(distill ? ['distill'] : []),
              ...(storage !== 'float32' ? ['quant'] : []),
            ];
            assert.deepEqual(
              steps.map((s) => s.kind),
              expected,
              text,
            );
            for (const step of steps) {
              if (step.kind === 'prune') {
                assert.equal(step.sparsity, 0.8);
                assert.equal(step.scope, choices.globalScope ? 'global' : 'per-layer');
              }
              if (step.kind === 'filters') assert.equal(step.keep, 0.5);
              if (step.kind === 'lowrank') assert.equal(step.energy, 0.9);
              if (step.kind === 'quant') assert.equal(step.precision, storage);
            }
          }
  assert.equal(combinations, 47);
});

const base: ImportChoices = {
  source: 'sample',
  records: ['100', '119'],
  paths: '/data/one\n\n  /data/two  \n',
  name: 'Wizard import',
  splitMode: 'random',
  testRecords: '119, 208',
  testFraction: 30,
  limitSeconds: true,
  seconds: 120,
  syntheticPatients: 6,
  tableFs: 125,
  tableTestFile: '',
  imageCsv: '',
  imageSize: 64,
  imageSplit: 'groups',
  groupByFolder: true,
  window: { center: 40, width: 400 },
  skipBad: true,
  generatePatients: 8,
  generateFlights: 4,
  detectionMaxSide: 256,
  classNames: { '0': 'malignant', '1': '' },
};

test('every import the wizard can submit is a job the contract accepts, with the paths and names given', () => {
  const sources: ImportSource[] = [
    'sample',
    'wfdb',
    'edf',
    'table',
    'synthetic',
    'images',
    'dicom',
    'voc',
    'npz',
    'detection',
  ];
  for (const source of sources) {
    const spec = importSpec({ ...base, source }, ['0', '1']);
    const parsed = jobSpecSchema.safeParse(spec);
    assert.ok(parsed.success, `${source}: ${parsed.success ? '' : parsed.error.message}`);
    const json = JSON.stringify(spec);
    assert.match(json, /Wizard import/, source);
    if (source !== 'sample' && source !== 'synthetic')
      assert.match(json, /"\/data\/one","\/data\/two"/, `${source} lost a path or kept a blank line`);
  }
  // Numeric labels take the names given, keeping the label where none was typed.
  const images = importSpec({ ...base, source: 'images' }, ['0', '1']) as { classNames?: string[] };
  assert.deepEqual(images.classNames, ['malignant', '1']);
  // A DICOM window goes with images and DICOM only.
  assert.ok('window' in (importSpec({ ...base, source: 'dicom' }, []) as object));
  assert.ok(!('window' in (importSpec({ ...base, source: 'npz' }, []) as object)));
});

test('the ECG split the wizard describes is the split the importer parses', () => {
  assert.deepEqual(parseSplitSpec(splitText({ ...base, splitMode: 'random', testFraction: 30 })), {
    kind: 'records',
    seed: 1,
    testFraction: 0.3,
  });
  assert.deepEqual(parseSplitSpec(splitText({ ...base, splitMode: 'records', testRecords: ' 119, 208 ,' })), {
    kind: 'test-records',
    records: ['119', '208'],
  });
  assert.deepEqual(parseSplitSpec(splitText({ ...base, splitMode: 'ds1ds2' })), { kind: 'ds1ds2' });
});

test('figures are formatted with their unit, a true minus sign, and a dash where there is no value', () => {
  assert.equal(formatPercent(0.9234), '92.3 %');
  assert.equal(formatPercent(Number.NaN), '–');
  assert.equal(formatPercent(null), '–');
  // A change in points is never multiplied again (the −582 % defect) and rounds to ±0.0 rather than −0.0.
  assert.equal(formatPoints(-5.82), '−5.8 points');
  assert.equal(formatPoints(0.04), '±0.0 points');
  assert.equal(formatPoints(-0.04), '±0.0 points');
  assert.equal(formatPoints(12), '+12.0 points');
  assert.equal(formatDuration(59.6), '60 s');
  assert.equal(formatDuration(3725), '1 h 2 min');
  assert.equal(formatDuration(null), 'estimating…');
});
