import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, REPO_ROOT } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

const MITDB = join(REPO_ROOT, 'resources', 'mitdb');

function countArtifacts(home: string): number {
  const dir = join(home, 'artifacts');
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((n, sub) => n + readdirSync(join(dir, sub)).length, 0);
}

test('the whole path from the CLI: import, train, compress, validate, report, audit verify, tamper', async () => {
  const home = tempHome('attest-pipeline');
  const h = ['--home', home.dir];
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      join(MITDB, '100'),
      join(MITDB, '119'),
      join(MITDB, '208'),
      '--name',
      'three records',
      '--split',
      'records:1:0.34',
      '--duration',
      '240',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const datasetId = imported.json['datasetId'] as string;
    const splits = imported.json['splits'] as Record<string, { total: number; records: string[] }>;
    assert.equal(splits['test']?.records.length, 1);
    assert.equal(splits['train']?.records.length, 2);
    assert.ok((splits['train']?.total ?? 0) > 300);

    const listed = await runCli(['datasets', 'list', ...h, '--json']);
    assert.deepEqual(
      (listed.json['datasets'] as { id: string }[]).map((d) => d.id),
      [datasetId],
    );

    const trained = await runCli([
      'train',
      '--dataset',
      datasetId,
      '--arch',
      'ecg-resnet',
      '--epochs',
      '2',
      '--seed',
      '5',
      '--no-lr-test',
      ...h,
      '--json',
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const modelId = trained.json['modelId'] as string;
    assert.match(modelId, /^m-/);
    assert.equal(trained.json['epochsRun'], 2);
    assert.match(trained.stderr, /epoch 1/);

    const compressed = await runCli([
      'compress',
      '--model',
      modelId,
      '--recipe',
      'prune:0.8,quant:int8',
      '--fine-tune-epochs',
      '1',
      ...h,
      '--json',
    ]);
    assert.equal(compressed.code, 0, compressed.stderr);
    const childId = compressed.json['modelId'] as string;
    assert.equal(compressed.json['parentId'], modelId);
    assert.ok(
      (compressed.json['sizeBytes'] as number) < (trained.json['sizeBytes'] as number) / 2.5,
      'int8 file is much smaller',
    );
    const params = compressed.json['params'] as number;
    const nonzero = compressed.json['nonzeroParams'] as number;
    assert.ok(nonzero < params * 0.3, `pruned to about 20% nonzero, got ${nonzero}/${params}`);

    for (const id of [modelId, childId]) {
      const validated = await runCli([
        'validate',
        '--model',
        id,
        '--dataset',
        datasetId,
        '--split',
        'test',
        '--suite',
        'clean,fgsm,noise',
        '--snrs',
        '12,0',
        ...h,
        '--json',
      ]);
      assert.equal(validated.code, 0, validated.stderr);
      const clean = validated.json['clean'] as { accuracy: number; confusion: number[][] };
      assert.ok(clean.accuracy >= 0 && clean.accuracy <= 1);
      assert.equal(
        clean.confusion.flat().reduce((a, b) => a + b, 0),
        validated.json['n'],
      );
      assert.equal((validated.json['fgsm'] as { points: unknown[] }).points.length, 3);
    }

    const reportPath = join(home.dir, 'out.html');
    const report = await runCli(['report', '--model', childId, '--out', reportPath, ...h, '--json']);
    assert.equal(report.code, 0, report.stderr);
    const html = readFileSync(reportPath, 'utf8');
    assert.ok(html.includes(childId) && html.includes(modelId) && html.includes(datasetId));
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no remote resource');
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /Audit trail intact/);
    assert.match(html, /Moody GB, Mark RG/);

    const verified = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(verified.json['ok'], true);
    assert.equal(verified.json['events'], 6);

    // Alter the compressed model's file: verification must fail with exit 3 and name it.
    const models = (await runCli(['models', 'list', ...h, '--json'])).json['models'] as {
      id: string;
      artifactSha256: string;
    }[];
    const child = models.find((m) => m.id === childId);
    assert.ok(child);
    const artifactPath = join(home.dir, 'artifacts', child.artifactSha256.slice(0, 2), child.artifactSha256);
    const original = readFileSync(artifactPath);
    const altered = Buffer.from(original);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    writeFileSync(artifactPath, altered);
    const tampered = await runCli(['audit', 'verify', ...h, '--json']);
    assert.equal(tampered.code, 3);
    assert.equal(tampered.json['ok'], false);
    assert.match(
      String((tampered.json['firstProblem'] as { message: string }).message),
      new RegExp(child.artifactSha256),
    );
    writeFileSync(artifactPath, original);
    assert.equal((await runCli(['audit', 'verify', ...h])).code, 0);
  } finally {
    home.cleanup();
  }
});

test('bad input exits 2, names the file and the problem, and stores nothing', async () => {
  const home = tempHome('attest-bad');
  const h = ['--home', home.dir];
  try {
    const missing = await runCli(['import', 'wfdb', join(home.dir, 'nope'), '--name', 'x', ...h, '--json']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope/);

    const empty = join(home.dir, 'empty');
    mkdirSync(empty);
    const emptyRun = await runCli(['import', 'wfdb', empty, '--name', 'x', ...h]);
    assert.equal(emptyRun.code, 2);
    assert.match(emptyRun.stderr, /empty: the folder holds no WFDB header/);

    // A truncated signal file among good records: nothing of the import may remain.
    const dir = join(home.dir, 'records');
    mkdirSync(dir);
    for (const record of ['100', '119']) {
      for (const ext of ['hea', 'dat', 'atr'])
        copyFileSync(join(MITDB, `${record}.${ext}`), join(dir, `${record}.${ext}`));
    }
    const dat = readFileSync(join(dir, '119.dat'));
    writeFileSync(join(dir, '119.dat'), dat.subarray(0, dat.length - 1000));
    const truncated = await runCli(['import', 'wfdb', dir, '--name', 'x', ...h, '--json']);
    assert.equal(truncated.code, 2);
    assert.match(truncated.stderr, /119\.dat/);
    assert.equal((truncated.json['error'] as { code: string }).code, 'BAD_INPUT');
    const listed = await runCli(['datasets', 'list', ...h, '--json']);
    assert.deepEqual(listed.json['datasets'], []);
    assert.equal(countArtifacts(home.dir), 0);
    const log = await runCli(['audit', 'log', ...h, '--json']);
    assert.deepEqual(log.json['events'], []);

    const usage = await runCli(['train', '--dataset', 'ds-x', '--epochs', '0', ...h]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--epochs must be an integer between 1 and 1000/);
    const unknownModel = await runCli(['compress', '--model', 'm-nothere', '--recipe', 'prune:0.8', ...h]);
    assert.equal(unknownModel.code, 2);
    assert.match(unknownModel.stderr, /no model with id m-nothere/);
    const badRecipe = await runCli(['compress', '--model', 'm-nothere', '--recipe', 'prune:7', ...h]);
    assert.equal(badRecipe.code, 2);
  } finally {
    home.cleanup();
  }
});

test('Ctrl-C during training cancels cleanly: exit 130, job marked cancelled, no model stored', async () => {
  const home = tempHome('attest-cancel');
  const h = ['--home', home.dir];
  try {
    const imported = await runCli([
      'import',
      'wfdb',
      join(MITDB, '100'),
      join(MITDB, '119'),
      join(MITDB, '209'),
      '--name',
      'c',
      '--split',
      'records:2:0.34',
      '--duration',
      '120',
      ...h,
      '--json',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    let sent = false;
    const run = await runCli(
      [
        'train',
        '--dataset',
        imported.json['datasetId'] as string,
        '--epochs',
        '200',
        '--seed',
        '1',
        '--no-lr-test',
        ...h,
        '--json',
      ],
      {
        onStderr(text, kill) {
          if (!sent && /epoch 1\/200/.test(text)) {
            sent = true;
            kill('SIGINT');
          }
        },
      },
    );
    assert.equal(run.code, 130, run.stderr);
    assert.equal((run.json['error'] as { code: string }).code, 'CANCELLED');
    const jobs = (await runCli(['jobs', 'list', ...h, '--json'])).json['jobs'] as {
      kind: string;
      status: string;
    }[];
    assert.deepEqual(
      jobs.map((j) => [j.kind, j.status]),
      [['train', 'cancelled']],
    );
    const models = (await runCli(['models', 'list', ...h, '--json'])).json['models'] as unknown[];
    assert.equal(models.length, 0);
  } finally {
    home.cleanup();
  }
});
