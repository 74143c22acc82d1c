import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { importImageDataset } from '../../src-main/core/pipelines/import/import-image-dataset.js';
import {
  loadImageDataset,
  imageSampleDataset,
  imageInputsForModel,
} from '../../src-main/core/data/images/image-dataset.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import { readImageFile } from '../../src-main/core/data/images/read-image.js';
import { preprocessImage } from '../../src-main/core/data/images/preprocess.js';
import {
  writeSyntheticInsulators,
  writeSyntheticMammograms,
  encodePng,
} from '../../src-main/core/data/images/write-synthetic.js';
import { syntheticMammogramPatch } from '../../src-main/core/data/images/synthetic-mammogram.js';
import { sha256Hex } from '../../src-main/core/util/hash.js';
import {
  givenValidationIndices,
  sampleIndices,
  SPLIT_CODES,
} from '../../src-main/core/data/sample-dataset.js';
import { AttestError } from '../../src-main/core/errors.js';
import { trainModel } from '../../src-main/core/pipelines/train/train-model.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { getModel } from '../../src-main/core/store/models.js';
import { tempHome } from '../helpers/temp-home.js';
import { SHARED_DATA } from './paths.js';
import { sharedPresent } from '../helpers/reference.js';

function scratch(label: string) {
  const dir = mkdtempSync(join(tmpdir(), `attest-${label}-`));
  const home = tempHome(`${label}-home`);
  const workspace = Workspace.open(home.dir);
  return {
    dir,
    workspace,
    home: home.dir,
    cleanup: () => {
      workspace.close();
      home.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function nothingStored(workspace: Workspace, home: string) {
  const count = (table: string) =>
    (workspace.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  assert.equal(count('datasets'), 0);
  assert.equal(count('source_files'), 0);
  const artifacts = join(home, 'artifacts');
  const files = existsSync(artifacts)
    ? readdirSync(artifacts, { recursive: true }).filter((f) => String(f).length > 8)
    : [];
  assert.deepEqual(files, []);
}

async function assertBadInput(promise: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AttestError, String(error));
    assert.equal(error.code, 'BAD_INPUT');
    assert.match(error.message, pattern);
    return true;
  });
}

test('DICOM mammograms: split by patient, pseudonymous groups, no patient id stored outside the bundle, preprocessing reapplied', async () => {
  const s = scratch('dicom-import');
  try {
    const generated = await writeSyntheticMammograms({
      out: join(s.dir, 'mg'),
      patients: 6,
      imagesPerPatient: 3,
      size: 32,
      seed: 3,
      format: 'dicom',
    });
    const result = await importImageDataset(
      s.workspace,
      { format: 'dicom', inputs: [generated.out], name: 'mg', height: 16 },
      quietContext(),
    );
    assert.equal(result.images, 18);
    assert.equal(result.groupKind, 'patient');
    assert.equal(result.groups, 6);
    assert.deepEqual(result.warnings, []);
    const dataset = loadImageDataset(s.workspace, result.datasetId);
    assert.deepEqual(dataset.groups, [
      'patient-001',
      'patient-002',
      'patient-003',
      'patient-004',
      'patient-005',
      'patient-006',
    ]);
    // No patient on both sides.
    for (let g = 0; g < dataset.groups.length; g++) {
      const sides = new Set(Array.from(dataset.split).filter((_, i) => dataset.group[i] === g));
      assert.equal(sides.size, 1, dataset.groups[g]);
    }
    // Patient ids (SYN0001...) live only in the bundle: not in any table or audit payload.
    const tables = ['datasets', 'source_files', 'dataset_groups', 'audit_events'];
    for (const table of tables) {
      const rows = JSON.stringify(s.workspace.db.prepare(`SELECT * FROM ${table}`).all());
      assert.ok(!rows.includes('SYN0'), `${table} holds a patient id`);
    }
    const sources = s.workspace.db.prepare('SELECT path, sha256 FROM source_files').all() as {
      path: string;
      sha256: string;
    }[];
    assert.equal(sources.length, 18);
    for (const source of sources) assert.equal(source.sha256, sha256Hex(readFileSync(source.path)));
    assert.ok(dataset.attributes.every((a) => a['laterality'] === 'L' || a['laterality'] === 'R'));
    assert.ok(dataset.attributes.every((a) => a['view'] === 'CC' || a['view'] === 'MLO'));
    // Inference on a source file, through the recorded preprocessing, gives the stored sample's model input.
    const generic = loadDataset(s.workspace, result.datasetId);
    assert.deepEqual(generic.sampleShape, [16, 16, 1]);
    const file = (dataset.attributes[5] as Record<string, string>)['file'] as string;
    const path = sources.find((x) => x.path.endsWith(file))?.path as string;
    const again = preprocessImage((await readImageFile(path)).image, dataset.preprocessing);
    const stored = generic.inputs([5]);
    const std =
      dataset.preprocessing.normalization.kind === 'dataset'
        ? (dataset.preprocessing.normalization.std[0] as number)
        : 1;
    again.forEach((v, i) => assert.ok(Math.abs(v - (stored[i] as number)) < 1e-4 / std, `pixel ${i}`));
    // Another dataset's pixels under this model's preprocessing: same geometry required, the model's statistics used.
    assert.deepEqual(
      Array.from(imageInputsForModel(dataset, [5], dataset.preprocessing)),
      Array.from(stored),
    );
    assert.throws(
      () => imageInputsForModel(dataset, [5], { ...dataset.preprocessing, height: 32, width: 32 }),
      /trained on 32x32x1/,
    );
    // The same files imported through a CSV get the same pseudonyms and the same split.
    const viaCsv = await importImageDataset(
      s.workspace,
      { format: 'images', inputs: [], csv: generated.csv, name: 'mg-csv', height: 16 },
      quietContext(),
    );
    assert.deepEqual(viaCsv.splits, result.splits);
    const csvSourceRows = s.workspace.db
      .prepare('SELECT path FROM source_files WHERE dataset_id = ?')
      .all(viaCsv.datasetId) as { path: string }[];
    assert.equal(csvSourceRows.length, 19, 'the 18 images and the CSV are hashed');
  } finally {
    s.cleanup();
  }
});

test('Pascal VOC: one crop per box, flights kept together; a box outside its image stores nothing', async () => {
  const s = scratch('voc-import');
  try {
    const generated = await writeSyntheticInsulators({
      out: join(s.dir, 'ins'),
      flights: 3,
      imagesPerFlight: 4,
      width: 96,
      height: 72,
      seed: 5,
    });
    const boxes = Object.values(generated.boxes).reduce((a, b) => a + b, 0);
    const result = await importImageDataset(
      s.workspace,
      { format: 'voc', inputs: [generated.out], name: 'ins', height: 32, groupBy: 'folder' },
      quietContext(),
    );
    assert.equal(result.images, boxes);
    assert.equal(result.groupKind, 'flight');
    assert.equal(result.groups, 3);
    assert.equal(result.preprocessing.channels, 3);
    assert.equal(result.splits['train']!.groups + result.splits['test']!.groups, 3);
    const dataset = loadImageDataset(s.workspace, result.datasetId);
    assert.deepEqual(dataset.classes, ['defect', 'insulator']);
    // A box past the right edge: refused, naming the annotation.
    const bad = scratch('voc-bad');
    try {
      const xml = join(generated.out, 'flight-01', 'scene-001.xml');
      writeFileSync(xml, readFileSync(xml, 'utf8').replace(/<xmax>\d+<\/xmax>/, '<xmax>500</xmax>'));
      await assertBadInput(
        importImageDataset(
          bad.workspace,
          { format: 'voc', inputs: [generated.out], name: 'bad', height: 32 },
          quietContext(),
        ),
        /scene-001\.xml: VOC object "\w+" box .* lies outside the 96 x 72 image/,
      );
      nothingStored(bad.workspace, bad.home);
    } finally {
      bad.cleanup();
    }
  } finally {
    s.cleanup();
  }
});

test('class folders: a 0-byte PNG stops the import (nothing stored) unless --skip-bad, which counts it; split by file is flagged', async () => {
  const s = scratch('folder-import');
  try {
    const root = join(s.dir, 'root');
    for (const [c, kind] of [
      ['normal', 'normal'],
      ['mass', 'mass'],
    ] as const) {
      mkdirSync(join(root, c), { recursive: true });
      for (let i = 0; i < 4; i++)
        writeFileSync(
          join(root, c, `${c}-${i}.png`),
          await encodePng(syntheticMammogramPatch(kind, 24, 100 + i)),
        );
    }
    writeFileSync(join(root, 'mass', 'broken.png'), new Uint8Array(0));
    await assertBadInput(
      importImageDataset(
        s.workspace,
        { format: 'images', inputs: [root], name: 'x', height: 16 },
        quietContext(),
      ),
      /broken\.png: file is empty/,
    );
    nothingStored(s.workspace, s.home);
    const result = await importImageDataset(
      s.workspace,
      { format: 'images', inputs: [root], name: 'x', height: 16, skipBad: true },
      quietContext(),
    );
    assert.equal(result.images, 8);
    assert.equal(result.skipped.length, 1);
    assert.match(result.skipped[0]!.file, /broken\.png$/);
    assert.ok(result.warnings.some((w) => w.includes('broken.png')));
    assert.ok(result.warnings.some((w) => w.startsWith('split by file')));
    const row = s.workspace.db.prepare('SELECT summary_json FROM datasets').get() as { summary_json: string };
    const summary = JSON.parse(row.summary_json) as { skipped: unknown[]; warnings: string[] };
    assert.equal(summary.skipped.length, 1);
    assert.ok(summary.warnings.some((w) => w.startsWith('split by file')));
    // A symbolic link back to its parent is a loop, refused by name.
    symlinkSync(root, join(root, 'normal', 'again'));
    await assertBadInput(
      importImageDataset(
        s.workspace,
        { format: 'images', inputs: [root], name: 'y', height: 16 },
        quietContext(),
      ),
      /symbolic link loop/,
    );
  } finally {
    s.cleanup();
  }
});

function npy(dtype: string, shape: number[], data: Uint8Array): Uint8Array {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

test('MedMNIST .npz: the published splits are kept (val apart from train and test), labels (N,1) accepted', async (t) => {
  const s = scratch('npz-import');
  try {
    const n = { train: 12, val: 4, test: 6 };
    const entries: Record<string, Uint8Array> = {};
    for (const [split, count] of Object.entries(n)) {
      const pixels = Uint8Array.from({ length: count * 8 * 8 }, (_, i) => (i * 7) % 256);
      const labels = Uint8Array.from({ length: count }, (_, i) => i % 2);
      entries[`${split}_images.npy`] = npy('|u1', [count, 8, 8], pixels);
      entries[`${split}_labels.npy`] = npy('|u1', [count, 1], labels);
    }
    const path = join(s.dir, 'tiny.npz');
    writeFileSync(path, zipSync(entries));
    const result = await importImageDataset(
      s.workspace,
      { format: 'npz', inputs: [path], name: 'tiny', height: 8 },
      quietContext(),
    );
    assert.equal(result.splits['train']!.total, 12);
    assert.equal(result.splits['val']!.total, 4);
    assert.equal(result.splits['test']!.total, 6);
    assert.equal(result.groupKind, 'given');
    const dataset = loadImageDataset(s.workspace, result.datasetId);
    // The val images are the archive's 13th to 16th (stored in train, val, test order), neither fitted nor tested.
    const sample = imageSampleDataset(dataset);
    assert.deepEqual(Array.from(givenValidationIndices(sample)), [12, 13, 14, 15]);
    assert.deepEqual(Array.from(sampleIndices(sample, 'train')), [...Array(12).keys()]);
    assert.equal(sampleIndices(sample, 'test').length, 6);
    // Training fits on train alone and chooses its epoch on the published val split (no groups held out of train).
    await initEngine('wasm');
    const at16 = await importImageDataset(
      s.workspace,
      { format: 'npz', inputs: [path], name: 'tiny16', height: 16 },
      quietContext(),
    );
    const trained = await trainModel(
      s.workspace,
      { datasetId: at16.datasetId, arch: 'resnet-small', epochs: 1, seed: 1 },
      quietContext(),
    );
    assert.equal(trained.validation.n, 4);
    const summary = getModel(s.workspace.db, trained.modelId).summary;
    assert.equal(summary['validationSplit'], 'given');
    assert.equal(summary['trainBeats'], 12);
    assert.equal(summary['validationBeats'], 4);
    // The val images' groups are what calibration later fits its temperature on.
    assert.equal(new Set(summary['validationRecords'] as string[]).size, 4);
    assert.equal(dataset.pixels[1], Math.round((7 / 255) * 65535));
    assert.equal(imageSampleDataset(dataset).inputs([0]).length, 64);
    writeFileSync(join(s.dir, 'bad.npz'), new TextEncoder().encode('PK not really a zip'));
    await assertBadInput(
      importImageDataset(
        s.workspace,
        { format: 'npz', inputs: [join(s.dir, 'bad.npz')], name: 'bad' },
        quietContext(),
      ),
      /bad\.npz: not a readable \.npz/,
    );
    const breast = join(SHARED_DATA, 'medmnist', 'breastmnist.npz');
    if (sharedPresent(t, breast)) {
      const real = await importImageDataset(
        s.workspace,
        {
          format: 'npz',
          inputs: [breast],
          name: 'breast',
          height: 28,
          classNames: ['malignant', 'normal-or-benign'],
        },
        quietContext(),
      );
      assert.equal(real.splits['train']!.total, 546);
      assert.equal(real.splits['val']!.total, 78);
      assert.deepEqual(Object.keys(real.splits['test']!.classes), ['malignant', 'normal-or-benign']);
      assert.equal(real.splits['test']!.total, 156);
      const d = loadImageDataset(s.workspace, real.datasetId);
      assert.equal(Array.from(d.split).filter((x) => x === SPLIT_CODES.test).length, 156);
    }
  } finally {
    s.cleanup();
  }
});

test('import dicom takes extensionless files that carry the DICM magic, and leaves other extensionless files alone', async () => {
  const s = scratch('dicom-noext');
  try {
    const generated = await writeSyntheticMammograms({
      out: join(s.dir, 'mg'),
      patients: 3,
      imagesPerPatient: 2,
      size: 24,
      seed: 9,
      format: 'dicom',
    });
    const folder = join(generated.out, 'normal');
    mkdirSync(folder, { recursive: true });
    const any = readdirSync(generated.out, { recursive: true })
      .map(String)
      .find((f) => f.endsWith('.dcm')) as string;
    writeFileSync(join(folder, 'IM000001'), readFileSync(join(generated.out, any)));
    writeFileSync(join(folder, 'LICENSE'), 'text that is not an image');
    const result = await importImageDataset(
      s.workspace,
      { format: 'dicom', inputs: [generated.out], name: 'noext', height: 16 },
      quietContext(),
    );
    assert.equal(result.images, 7);
  } finally {
    s.cleanup();
  }
});
