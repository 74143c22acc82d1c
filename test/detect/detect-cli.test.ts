import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticInsulators } from '../../src-main/core/data/images/write-synthetic.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { metricsOfValidation, validationsOfModel } from '../../src-main/core/store/validations.js';
import { runBuiltCli } from '../imaging/run-built-cli.js';
import { tempHome } from '../helpers/temp-home.js';

/** Boxes in the test split, from the import's summary. */
function testBoxes(json: Record<string, unknown>): number {
  const test = (json['splits'] as Record<string, { boxes: Record<string, number> }>)['test'];
  return Object.values(test?.boxes ?? {}).reduce((a, b) => a + b, 0);
}

test('detect: import VOC frames, train, evaluate (AP stored as a validation), learning curve, bad input exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-detect-'));
  const home = tempHome('detect-home');
  const cli = (...args: string[]) => runBuiltCli(['--home', home.dir, ...args, '--json']);
  try {
    const scenes = join(dir, 'scenes');
    await writeSyntheticInsulators({
      out: scenes,
      flights: 3,
      imagesPerFlight: 5,
      width: 128,
      height: 96,
      seed: 4,
    });

    // A box outside its image: exit 2 naming the file, nothing stored.
    const broken = join(dir, 'broken');
    await writeSyntheticInsulators({
      out: broken,
      flights: 2,
      imagesPerFlight: 1,
      width: 128,
      height: 96,
      seed: 5,
    });
    const xml = join(broken, 'flight-02', 'scene-001.xml');
    writeFileSync(xml, readFileSync(xml, 'utf8').replace(/<xmax>\d+<\/xmax>/, '<xmax>900</xmax>'));
    const bad = await cli('import', 'detection', broken, '--name', 'broken');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /scene-001\.xml: .*outside the 128 x 96 image/);
    const empty = Workspace.open(home.dir);
    try {
      assert.equal((empty.db.prepare('SELECT COUNT(*) AS n FROM datasets').get() as { n: number }).n, 0);
    } finally {
      empty.close();
    }

    const imported = await cli('import', 'detection', scenes, '--name', 'insulators', '--max-side', '100');
    assert.equal(imported.code, 0, imported.stderr);
    const datasetId = imported.json['datasetId'] as string;
    assert.equal(imported.json['frames'], 15);
    assert.deepEqual(imported.json['classes'], ['defect', 'insulator']);
    assert.equal(imported.json['resizedFrames'], 15, 'frames 128 px wide are shrunk to --max-side 100');
    const splits = imported.json['splits'] as Record<string, { frames: number; groups: number }>;
    assert.equal((splits['train']?.frames ?? 0) + (splits['test']?.frames ?? 0), 15);
    assert.equal(
      (splits['train']?.groups ?? 0) + (splits['test']?.groups ?? 0),
      3,
      'a flight is on one side only',
    );

    // The classifier path refuses frames with boxes by name.
    const classifier = await cli('train', '--dataset', datasetId, '--arch', 'small-cnn');
    assert.equal(classifier.code, 2);
    assert.match(classifier.stderr, /frames with boxes: use the `attest detect` commands/);

    const trained = await cli(
      'detect',
      'train',
      '--dataset',
      datasetId,
      '--epochs',
      '2',
      '--input',
      '64',
      '--steps-per-epoch',
      '2',
      '--batch-size',
      '4',
      '--seed',
      '3',
    );
    assert.equal(trained.code, 0, trained.stderr);
    const modelId = trained.json['modelId'] as string;
    assert.equal(trained.json['arch'], 'centernet-mobile');
    assert.equal(trained.json['steps'], 4);
    const losses = trained.json['lossHistory'] as number[];
    assert.equal(losses.length, 2);
    assert.ok(
      losses.every((l) => Number.isFinite(l) && l > 0),
      String(losses),
    );

    const evaluated = await cli('detect', 'evaluate', '--model', modelId, '--dataset', datasetId);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const evaluation = evaluated.json['evaluation'] as {
      classes: { name: string; ap50: number | null; truths: number; curve: { recall: number[] } }[];
      map50: number | null;
      frames: number;
    };
    assert.equal(evaluation.frames, splits['test']?.frames);
    assert.deepEqual(
      evaluation.classes.map((c) => c.name),
      ['defect', 'insulator'],
    );
    for (const c of evaluation.classes) {
      if (c.truths === 0) assert.equal(c.ap50, null);
      else assert.ok(c.ap50 !== null && c.ap50 >= 0 && c.ap50 <= 1);
    }
    const frames = evaluated.json['frames'] as { misses: unknown[]; hits: number; truths: number }[];
    assert.equal(frames.length, evaluation.frames);
    assert.ok(frames.every((f) => f.hits + f.misses.length === f.truths));
    // Stored: the validation row with its AP rows, under the same figures as printed.
    const workspace = Workspace.open(home.dir);
    try {
      const [validation] = validationsOfModel(workspace.db, modelId);
      assert.equal(validation?.id, evaluated.json['validationId']);
      assert.deepEqual(validation?.suites, ['object-detection']);
      const rows = metricsOfValidation(workspace.db, validation?.id ?? '');
      const map = rows.find((r) => r.name === 'mAP@0.5');
      assert.equal(map?.value ?? null, evaluation.map50);
      const events = workspace.db.prepare('SELECT action FROM audit_events ORDER BY seq').all() as {
        action: string;
      }[];
      assert.deepEqual(
        events.map((e) => e.action),
        ['dataset.import', 'model.train', 'model.validate'],
      );
    } finally {
      workspace.close();
    }

    // The reviewer's page: every test frame with its boxes, embedded (no outside resource).
    const page = join(dir, 'frames.html');
    const framesPage = await cli('detect', 'frames', '--model', modelId, '--out', page, '--all');
    assert.equal(framesPage.code, 0, framesPage.stderr);
    const html = readFileSync(page, 'utf8');
    assert.equal(html.match(/<figure /g)?.length, evaluation.frames);
    assert.equal(html.match(/<rect class="(truth|difficult)"/g)?.length, testBoxes(imported.json));
    assert.doesNotMatch(html, /(src|href)="(https?:|\/\/)/);
    const wrongFile = await cli('detect', 'frames', '--model', modelId, '--out', join(dir, 'frames.txt'));
    assert.equal(wrongFile.code, 2);

    // Compression with AP: pruned and int8, scored as stored beside its parent.
    const compressed = await cli(
      'detect',
      'compress',
      '--model',
      modelId,
      '--recipe',
      'prune:0.5,quant:int8',
      '--fine-tune-steps',
      '2',
    );
    assert.equal(compressed.code, 0, compressed.stderr);
    assert.equal(compressed.json['parentId'], modelId);
    const sizes = compressed.json['sizeBytes'] as { parent: number; child: number };
    assert.ok(sizes.child < sizes.parent / 3, JSON.stringify(sizes));
    const params = compressed.json['params'] as { parent: number; nonzero: number };
    assert.ok(Math.abs(params.nonzero / params.parent - 0.5) < 0.05, JSON.stringify(params));
    const refused = await cli('detect', 'compress', '--model', modelId, '--recipe', 'filters:0.5');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /filters not implemented for detectors/);

    const robustness = await cli(
      'detect',
      'robustness',
      '--model',
      modelId,
      '--corruptions',
      'fog,jpeg',
      '--severities',
      '1,5',
    );
    assert.equal(robustness.code, 0, robustness.stderr);
    const rows = robustness.json['rows'] as { corruption: string; severity: number }[];
    assert.deepEqual(
      rows.map((r) => `${r.corruption}:${r.severity}`),
      ['fog:1', 'fog:5', 'jpeg:1', 'jpeg:5'],
    );

    const attacked = await cli('detect', 'attack', '--model', modelId, '--epsilons', '2/255', '--steps', '1');
    assert.equal(attacked.code, 0, attacked.stderr);
    assert.deepEqual(
      (attacked.json['rows'] as { epsilon: number }[]).map((r) => r.epsilon),
      [2 / 255],
    );

    const curve = await cli(
      'detect',
      'curve',
      '--dataset',
      datasetId,
      '--frames',
      '2,4',
      '--steps',
      '2',
      '--input',
      '64',
      '--batch-size',
      '2',
    );
    assert.equal(curve.code, 0, curve.stderr);
    const points = curve.json['points'] as { frames: number; map50: number | null }[];
    assert.deepEqual(
      points.map((p) => p.frames),
      [2, 4],
    );
    const tooMany = await cli(
      'detect',
      'curve',
      '--dataset',
      datasetId,
      '--frames',
      '15,500',
      '--steps',
      '1',
    );
    assert.equal(tooMany.code, 2);
    assert.match(tooMany.stderr, /--frames .*500.*only \d+ training frames/);

    const verified = await cli('audit', 'verify');
    assert.equal(verified.code, 0, verified.stderr);
  } finally {
    home.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
