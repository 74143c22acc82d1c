import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticInsulators } from '../../src-main/core/data/images/write-synthetic.js';
import { readVocXml } from '../../src-main/core/data/images/voc.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { AttestError } from '../../src-main/core/errors.js';
import { importDetectionDataset } from '../../src-main/core/pipelines/import/import-detection.js';
import { frameTruths, loadDetectionDataset } from '../../src-main/core/detect/detection-dataset.js';
import { tempHome } from '../helpers/temp-home.js';

test('import detection: the VOC layout, boxes scaled with the frame, one folder refused unless split by image', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-detect-import-'));
  const home = tempHome('detect-import-home');
  const workspace = Workspace.open(home.dir);
  try {
    // Pascal VOC layout: Annotations/*.xml beside JPEGImages/*.png, all in one folder.
    const generated = join(dir, 'generated');
    await writeSyntheticInsulators({
      out: generated,
      flights: 1,
      imagesPerFlight: 6,
      width: 200,
      height: 150,
      seed: 9,
    });
    const voc = join(dir, 'voc');
    mkdirSync(join(voc, 'Annotations'), { recursive: true });
    mkdirSync(join(voc, 'JPEGImages'));
    for (const file of readdirSync(join(generated, 'flight-01')))
      renameSync(
        join(generated, 'flight-01', file),
        join(voc, file.endsWith('.xml') ? 'Annotations' : 'JPEGImages', file),
      );
    const annotations = join(voc, 'Annotations');

    await assert.rejects(
      importDetectionDataset(workspace, { inputs: [annotations], name: 'voc' }, quietContext()),
      (error: unknown) =>
        error instanceof AttestError &&
        error.code === 'BAD_INPUT' &&
        /one flight only.*--group-by image/.test(error.message),
    );
    assert.equal((workspace.db.prepare('SELECT COUNT(*) AS n FROM datasets').get() as { n: number }).n, 0);

    const result = await importDetectionDataset(
      workspace,
      { inputs: [annotations], name: 'voc', groupBy: 'image', maxSide: 100 },
      quietContext(),
    );
    assert.equal(result.frames, 6);
    assert.equal(result.groupKind, 'image');
    assert.match(result.warnings[0] ?? '', /split by image/);
    assert.equal(result.resizedFrames, 6);
    const dataset = loadDetectionDataset(workspace, result.datasetId);
    assert.equal(dataset.frameWidth[0], 100);
    assert.equal(dataset.frameHeight[0], 75);
    // Each stored box is the VOC box (1-based, inclusive) in continuous pixels, times the frame's scale.
    const names = dataset.frameNames.map((n) => n.replace(/^.*[\\/]/, '').replace('.png', '.xml'));
    names.forEach((name, frame) => {
      const objects = readVocXml(join(annotations, name)).objects;
      const truths = frameTruths(dataset, frame);
      assert.equal(truths.length, objects.length);
      objects.forEach((o, k) => {
        const t = truths[k]!;
        assert.equal(dataset.classes[t.classIndex], o.name);
        assert.ok(
          Math.abs(t.x0 - (o.xmin - 1) * 0.5) < 1e-4 && Math.abs(t.y1 - o.ymax * 0.5) < 1e-4,
          JSON.stringify([t, o]),
        );
      });
    });
    const events = workspace.db.prepare('SELECT action FROM audit_events').all() as { action: string }[];
    assert.deepEqual(
      events.map((e) => e.action),
      ['dataset.import'],
    );
    const sources = workspace.db.prepare('SELECT COUNT(*) AS n FROM source_files').get() as { n: number };
    assert.equal(sources.n, 12, 'every XML and image hashed');
  } finally {
    workspace.close();
    home.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
