import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { mitbihBeats, splitByRecord } from '../../src-main/core/methods/mitbih-beats.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';

// ../shared beside the repository holds more MIT-BIH records; without it the bundled ones are read.
const SHARED = join(REPO_ROOT, '..', 'shared', 'data', 'mitdb');

test('MIT-BIH beats for the reproduction: read from ../shared when present (else the bundled records), standardized per beat, split by record', () => {
  const beats = mitbihBeats();
  if (existsSync(SHARED)) assert.match(beats.source, /^\.\.\/shared\/data\/mitdb/);
  else {
    console.log(`${SHARED} is missing: the bundled records are read`);
    assert.equal(beats.source, 'the records bundled in resources/mitdb');
  }
  assert.ok(beats.records.length >= 4);
  const n = beats.labels.length;
  assert.equal(beats.inputs.length, n * 187);
  assert.ok(beats.labels.every((l) => l >= 0 && l < beats.classes));
  // At most 400 beats per record, every record contributing.
  const perRecord = beats.records.map((_, r) => beats.recordOf.filter((x) => x === r).length);
  assert.ok(
    perRecord.every((count) => count > 0 && count <= 400),
    perRecord.join(','),
  );
  for (const i of [0, Math.floor(n / 2), n - 1]) {
    const beat = beats.inputs.subarray(i * 187, (i + 1) * 187);
    const mean = beat.reduce((a, v) => a + v, 0) / 187;
    const sd = Math.sqrt(beat.reduce((a, v) => a + (v - mean) ** 2, 0) / 187);
    assert.ok(Math.abs(mean) < 1e-4 && Math.abs(sd - 1) < 1e-3, `beat ${i}: mean ${mean}, sd ${sd}`);
  }
  const { train, test: held, trainRecords } = splitByRecord(beats, 1);
  assert.equal(trainRecords.length, Math.floor(beats.records.length / 2));
  assert.equal(train.length + held.length, n);
  const trainSet = new Set(train.map((i) => beats.recordOf[i]));
  assert.ok(
    held.every((i) => !trainSet.has(beats.recordOf[i])),
    'no record on both sides',
  );
  assert.notDeepEqual(splitByRecord(beats, 2).trainRecords, trainRecords);
});

test('methods reproduce --data mitbih: nMutant on MIT-BIH beats, recorded as evidence; methods without a MIT-BIH measurement refused', async () => {
  const home = tempHome('methods-mitbih');
  const h = ['--home', home.dir];
  try {
    const run = await runCli(['methods', 'reproduce', '--data', 'mitbih', '--seeds', '2', ...h, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json['data'], 'mitbih');
    const methods = run.json['methods'] as {
      method: string;
      task: string;
      effects: number[];
      mean: number;
      interval: [number, number] | null;
      verdict: string;
      details: { normals: number; adversarial: number; falsePositiveRate: number }[];
    }[];
    assert.deepEqual(
      methods.map((m) => m.method),
      ['nmutant'],
    );
    const m = methods[0];
    assert.match(m?.task ?? '', /^MIT-BIH beats of \d+ records from .*trained on half of the records/);
    assert.equal(m?.effects.length, 2);
    assert.ok(Math.abs((m?.mean ?? 0) - ((m?.effects[0] ?? 0) + (m?.effects[1] ?? 0)) / 2) < 1e-12);
    assert.ok(m?.interval !== null && m?.interval !== undefined);
    const [low, high] = m.interval;
    assert.equal(m.verdict, low > 0 ? 'shown' : high < 0 ? 'not shown' : 'inconclusive');
    for (const d of m.details) {
      assert.equal(d.normals, 200);
      assert.ok(d.adversarial > 0 && d.falsePositiveRate >= 0 && d.falsePositiveRate <= 1);
    }
    // Recorded: the places offering nMutant cite it, saying it was measured on MIT-BIH beats.
    const evidence = await runCli(['methods', 'evidence', ...h, '--json']);
    const nmutant = (evidence.json['methods'] as { method: string; verdict: string; note: string }[]).find(
      (e) => e.method === 'nmutant',
    );
    assert.equal(nmutant?.verdict, m.verdict);
    if (m.verdict === 'shown') assert.match(nmutant?.note ?? '', /on MIT-BIH beats\)$/);

    const other = await runCli(['methods', 'reproduce', '--data', 'mitbih', '--method', 'lowrank-lp', ...h]);
    assert.equal(other.code, 2, other.stdout);
    assert.match(
      other.stderr,
      /--data mitbih measures nmutant; lowrank-lp is reproduced on the synthetic task only/,
    );
    const bad = await runCli(['methods', 'reproduce', '--data', 'ptb', ...h, '--json']);
    assert.equal(bad.code, 2, bad.stdout);
    assert.match(bad.stderr, /--data must be synthetic .* or mitbih/);
    // With --json, stdout is exactly one JSON object: the refusal.
    assert.equal((JSON.parse(bad.stdout) as { ok: boolean }).ok, false);
  } finally {
    home.cleanup();
  }
});
