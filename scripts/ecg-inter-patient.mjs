#!/usr/bin/env node
/*
 * Inter-patient ECG beat classification on MIT-BIH, measured with the real `attest` command: the default recipe
 * (ecg-resnet on beats standardized one by one) against the R-R context recipe (ecg-resnet-rr on beats imported
 * with --rr-context), both on the same records in the same run.
 *
 *   node scripts/ecg-inter-patient.mjs [--minutes 4] [--epochs 12] [--patience 3] [--seeds 1,2] [--duration SECONDS]
 *     [--recipes default,rr,rr-balanced] [--mitdb DIR] [--ds2]
 *
 * Without --ds2: de Chazal's DS1 (22 records, in ../shared/data/mitdb beside the repository) is cut in two
 * halves of 11 records; each recipe trains on one half and is tested on the other, then the halves swap.
 * With --ds2: trained on DS1, tested on DS2, which needs the full mitdb from PhysioNet in --mitdb DIR
 * (https://physionet.org/content/mitdb/1.0.0/). Prints one JSON object: macro-F1 over N, S, V and F per run and
 * recipe, per-class F1, and the wall-clock minutes of each run. --duration keeps the first SECONDS of each record
 * (shorter epochs on a busy machine). --recipes picks the recipes compared (default: default,rr): `default`
 * (ecg-resnet), `rr` (ecg-resnet-rr on --rr-context beats, class-weighted), `rr-balanced` (the same with
 * --sampler balanced). On a loaded machine compare recipes at a fixed --epochs (and a generous --minutes) rather
 * than by minutes. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'attest.js');
const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const minutes = Number(value('minutes', '4'));
const epochs = Number(value('epochs', '12'));
const patience = value('patience', undefined);
const seeds = value('seeds', '1').split(',');
const recipeNames = value('recipes', 'default,rr').split(',');
const withDs2 = args.includes('--ds2');
const duration = value('duration', undefined);
const mitdb = resolve(value('mitdb', join(ROOT, '..', 'shared', 'data', 'mitdb')));

const DS1 = '101 106 108 109 112 114 115 116 118 119 122 124 201 203 205 207 208 209 215 220 223 230'.split(
  ' ',
);
const DS2 = '100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221 222 228 231 232 233 234'.split(
  ' ',
);
// Alternate records in numeric order: each half holds S-rich (118 201 223 | 207 209 220) and V-rich records.
const HALF_A = DS1.filter((_, i) => i % 2 === 0);
const HALF_B = DS1.filter((_, i) => i % 2 === 1);

const needed = withDs2 ? [...DS1, ...DS2] : DS1;
const missing = needed.filter((r) => !existsSync(join(mitdb, `${r}.hea`)));
if (missing.length > 0) {
  console.error(
    `ecg-inter-patient: ${mitdb} lacks records ${missing.join(' ')}; ` +
      (withDs2
        ? 'download mitdb from https://physionet.org/content/mitdb/1.0.0/ and give its folder with --mitdb DIR'
        : 'the reference data (../shared/data/mitdb beside the repository) is not here; give a folder with --mitdb DIR'),
  );
  process.exit(2);
}
if (!existsSync(BIN)) {
  console.error('ecg-inter-patient: run `npm run build` first');
  process.exit(2);
}

const home = mkdtempSync(join(tmpdir(), 'attest-ecg-bench-'));
function attest(...command) {
  const run = spawnSync(process.execPath, [BIN, '--home', home, ...command, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`attest ${command.join(' ')} failed:\n${run.stderr}\n${run.stdout}`);
  return JSON.parse(run.stdout);
}

/** F1 of each of N, S, V, F from the 5-class confusion matrix (rows: truth, columns: prediction). */
function nsvfScores(confusion, labels) {
  const f1 = {};
  for (const name of ['N', 'S', 'V', 'F']) {
    const k = labels.indexOf(name);
    const tp = confusion[k][k];
    const fn = confusion[k].reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((a, row) => a + row[k], 0) - tp;
    f1[name] = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  const macro = Object.values(f1).reduce((a, b) => a + b, 0) / 4;
  return { macroF1NSVF: macro, f1 };
}

const ALL_RECIPES = {
  default: {
    name: 'default (ecg-resnet, beats standardized one by one)',
    importArgs: [],
    arch: 'ecg-resnet',
  },
  rr: {
    name: 'R-R context (ecg-resnet-rr, --rr-context)',
    importArgs: ['--rr-context'],
    arch: 'ecg-resnet-rr',
  },
  'rr-balanced': {
    name: 'R-R context, balanced sampler (ecg-resnet-rr, --rr-context, --sampler balanced)',
    importArgs: ['--rr-context'],
    arch: 'ecg-resnet-rr',
    trainArgs: ['--sampler', 'balanced'],
  },
};
const unknownRecipe = recipeNames.find((r) => ALL_RECIPES[r] === undefined);
if (unknownRecipe !== undefined) {
  console.error(
    `ecg-inter-patient: unknown recipe ${unknownRecipe}; known: ${Object.keys(ALL_RECIPES).join(', ')}`,
  );
  process.exit(2);
}
const RECIPES = recipeNames.map((key) => ({ key, ...ALL_RECIPES[key] }));
const splits = withDs2
  ? [{ name: 'DS1 -> DS2', records: [...DS1, ...DS2], test: DS2 }]
  : [
      { name: 'DS1 half A -> half B', records: DS1, test: HALF_B },
      { name: 'DS1 half B -> half A', records: DS1, test: HALF_A },
    ];

const runs = [];
try {
  for (const split of splits) {
    // One import per split and import options, shared by the recipes that train on it.
    const imported = new Map();
    for (const recipe of RECIPES)
      for (const seed of seeds) {
        const started = Date.now();
        const importKey = recipe.importArgs.join(' ');
        const dataset =
          imported.get(importKey) ??
          attest(
            'import',
            'wfdb',
            ...split.records.map((r) => join(mitdb, r)),
            '--name',
            `${split.name} ${recipe.arch}`,
            '--split',
            `test:${split.test.join(',')}`,
            ...(duration !== undefined ? ['--duration', duration] : []),
            ...recipe.importArgs,
          );
        imported.set(importKey, dataset);
        const model = attest(
          'train',
          '--dataset',
          dataset.datasetId,
          '--arch',
          recipe.arch,
          '--epochs',
          String(epochs),
          '--max-minutes',
          String(minutes),
          '--seed',
          seed,
          ...(patience !== undefined ? ['--patience', patience] : []),
          ...(recipe.trainArgs ?? []),
        );
        const validation = attest(
          'validate',
          '--model',
          model.modelId,
          '--dataset',
          dataset.datasetId,
          '--suite',
          'clean',
        );
        const scores = nsvfScores(validation.clean.confusion, validation.clean.labels);
        const run = {
          split: split.name,
          recipe: recipe.key,
          recipeName: recipe.name,
          seed: Number(seed),
          testRecords: split.test.join(' '),
          ...scores,
          accuracy: validation.clean.accuracy,
          // Rows: truth, columns: prediction, in the order of labels.
          labels: validation.clean.labels,
          confusion: validation.clean.confusion,
          epochsRun: model.epochsRun,
          bestEpoch: model.bestEpoch,
          trainMinutes: model.seconds / 60,
          wallMinutes: (Date.now() - started) / 60_000,
        };
        runs.push(run);
        console.error(
          `${split.name}, ${recipe.key}, seed ${seed}: macro-F1 (N,S,V,F) ${scores.macroF1NSVF.toFixed(3)} ` +
            `(${Object.entries(scores.f1)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(', ')}), epochs ${model.epochsRun} (best ${model.bestEpoch})`,
        );
      }
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
const meanOf = (key) => {
  const mine = runs.filter((r) => r.recipe === key);
  return mine.reduce((a, r) => a + r.macroF1NSVF, 0) / mine.length;
};
console.log(
  JSON.stringify(
    {
      mitdb,
      minutesPerTraining: minutes,
      secondsPerRecord: duration === undefined ? 'all (30 min)' : Number(duration),
      epochs,
      seeds: seeds.map(Number),
      runs,
      meanMacroF1NSVF: Object.fromEntries(RECIPES.map((r) => [r.key, meanOf(r.key)])),
    },
    null,
    2,
  ),
);
