import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import {
  importImageDataset,
  type ImportImagesOptions,
} from '../../src-main/core/pipelines/import/import-image-dataset.js';
import { parseImageSplit } from '../../src-main/core/data/images/image-splits.js';
import { previewImageSource } from '../../src-main/core/data/images/image-preview.js';
import { datasetThumbnails } from '../../src-main/core/data/images/image-thumbnails.js';
import { loadImageDataset } from '../../src-main/core/data/images/image-dataset.js';
import {
  writeSyntheticInsulators,
  writeSyntheticMammograms,
} from '../../src-main/core/data/images/write-synthetic.js';
import { writeDicomMammogram } from '../../src-main/core/data/dicom/write-dicom.js';
import { readDicomImage } from '../../src-main/core/data/dicom/read-dicom.js';
import { windowValue } from '../../src-main/core/data/dicom/display.js';
import { tileIntensities, tileValues, windowLinear } from '../../src-main/contract/image-tiles.js';
import { tempHome } from '../helpers/temp-home.js';

function scratch(label: string) {
  const dir = mkdtempSync(join(tmpdir(), `attest-${label}-`));
  const home = tempHome(`${label}-home`);
  const workspace = Workspace.open(home.dir);
  return {
    dir,
    workspace,
    cleanup: () => {
      workspace.close();
      home.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The preview's balance per split must be what the import then stores, class by class. */
async function assertSameSplit(
  workspace: Workspace,
  options: Omit<ImportImagesOptions, 'name'>,
  split: string | undefined,
): Promise<void> {
  const preview = await previewImageSource(
    {
      format: options.format,
      inputs: options.inputs,
      ...(options.csv !== undefined ? { csv: options.csv } : {}),
      ...(split !== undefined ? { split } : {}),
      ...(options.groupBy !== undefined ? { groupBy: options.groupBy } : {}),
    },
    4,
  );
  const imported = await importImageDataset(
    workspace,
    {
      ...options,
      name: `check ${split ?? 'default'}`,
      height: 16,
      ...(split !== undefined ? { split: parseImageSplit(split) } : {}),
    },
    quietContext(),
  );
  assert.deepEqual(preview.problems, []);
  assert.deepEqual(preview.splits, {
    train: imported.splits['train']?.classes,
    test: imported.splits['test']?.classes,
  });
  assert.equal(preview.groupKind, imported.groupKind);
  assert.equal(preview.groups, imported.groups);
  assert.deepEqual(preview.warnings, imported.warnings);
}

test('DICOM preview: modality values for windowing, the file window, patients, and the split the import makes', async () => {
  const s = scratch('preview-dicom');
  try {
    const out = join(s.dir, 'mammo');
    await writeSyntheticMammograms({
      out,
      patients: 6,
      imagesPerPatient: 2,
      size: 32,
      seed: 3,
      format: 'dicom',
    });
    const preview = await previewImageSource({ format: 'dicom', inputs: [out] }, 6);
    assert.equal(preview.files, 12);
    assert.equal(preview.groupKind, 'patient');
    assert.equal(preview.groups, 6);
    assert.equal(
      Object.values(preview.perClass).reduce((a, b) => a + b, 0),
      12,
    );
    // Tiles come from every class in turn.
    const present = preview.classes.filter((c) => preview.perClass[c]! > 0);
    assert.deepEqual(
      [...new Set(preview.tiles.slice(0, present.length).map((t) => t.label))].sort(),
      present,
    );
    const tile = preview.tiles[0]!;
    assert.equal(tile.error, null);
    assert.deepEqual(tile.dicom?.window, { center: 2048, width: 4096 });
    assert.equal(tile.dicom?.voi, 'window');
    assert.equal(tile.dicom?.inverted, false);
    assert.match(tile.dicom?.laterality ?? '', /^[LR]$/);
    // The tile holds the stored values (no rescale in these files), within the 16-bit quantization.
    const file = join(out, tile.label, tile.name);
    const { stored } = await readDicomImage(file);
    const values = tileValues(tile);
    assert.equal(values.length, 32 * 32);
    let worst = 0;
    values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (stored.values[i] as number)))));
    assert.ok(worst <= ((tile.max - tile.min) / 65535) * 0.51 + 1e-6, `worst difference ${worst}`);
    // A narrow window saturates: what the UI's slider does, with the core's own LINEAR window function.
    const narrow = tileIntensities(tile, { center: 1000, width: 10 });
    values.forEach((v, i) => assert.ok(Math.abs(narrow[i]! - windowValue(v, 1000, 10, 'LINEAR')) < 1e-6));
    await assertSameSplit(s.workspace, { format: 'dicom', inputs: [out] }, undefined);
    await assertSameSplit(s.workspace, { format: 'dicom', inputs: [out] }, 'groups:7:0.5');
    await assertSameSplit(s.workspace, { format: 'dicom', inputs: [out] }, 'files:2:0.25');
  } finally {
    s.cleanup();
  }
});

test('a MONOCHROME1 file previews inverted, as the core displays it; a large file is grouped from its first bytes', async () => {
  const s = scratch('preview-mono1');
  try {
    for (const [label, photometric, side] of [
      ['a', 'MONOCHROME1', 4],
      ['b', 'MONOCHROME2', 4],
      // 180 kB, cut to 100 kB below: the full reader refuses it, the preview's header reader (64 kB) does not.
      ['c', 'MONOCHROME2', 300],
    ] as const) {
      mkdirSync(join(s.dir, label));
      writeFileSync(
        join(s.dir, label, 'x.dcm'),
        writeDicomMammogram({
          rows: side,
          columns: side,
          bitsStored: 12,
          pixels: Uint16Array.from({ length: side * side }, (_, i) => (i * 256) % 4096),
          patientId: `P-${label}`,
          studyInstanceUid: `1.2.3.${label.charCodeAt(0)}`,
          sopInstanceUid: `1.2.3.${label.charCodeAt(0)}.1`,
          laterality: 'L',
          viewPosition: 'CC',
          windowCenter: 2048,
          windowWidth: 4096,
          photometric,
        }),
      );
    }
    truncateSync(join(s.dir, 'c', 'x.dcm'), 100_000);
    const preview = await previewImageSource({ format: 'dicom', inputs: [s.dir] }, 3);
    assert.match(preview.tiles.find((t) => t.label === 'c')?.error ?? '', /x\.dcm/);
    assert.deepEqual([preview.groupKind, preview.groups], ['patient', 3]);
    const [a, b] = ['a', 'b'].map((l) => preview.tiles.find((t) => t.label === l)!);
    assert.equal(a?.dicom?.inverted, true);
    assert.equal(b?.dicom?.inverted, false);
    const shownA = tileIntensities(a!);
    const shownB = tileIntensities(b!);
    shownA.forEach((v, i) => assert.ok(Math.abs(v - (1 - shownB[i]!)) < 1e-6));
    assert.equal(shownB[0], 0);
    assert.ok(shownB[15]! > 0.9);
  } finally {
    s.cleanup();
  }
});

test('PNG by CSV, VOC crops and MedMNIST archives: the preview splits as the import does', async () => {
  const s = scratch('preview-others');
  try {
    const png = join(s.dir, 'png');
    const written = await writeSyntheticMammograms({
      out: png,
      patients: 5,
      imagesPerPatient: 2,
      size: 24,
      seed: 1,
      format: 'png',
    });
    await assertSameSplit(s.workspace, { format: 'images', inputs: [], csv: written.csv }, undefined);
    const byFolder = await previewImageSource({ format: 'images', inputs: [png] }, 3);
    assert.equal(byFolder.groupKind, 'file');
    assert.equal(byFolder.tiles[0]?.dicom, null);
    assert.equal(byFolder.tiles[0]?.width, 24);

    const voc = join(s.dir, 'voc');
    await writeSyntheticInsulators({
      out: voc,
      flights: 3,
      imagesPerFlight: 2,
      width: 128,
      height: 96,
      seed: 2,
    });
    await assertSameSplit(s.workspace, { format: 'voc', inputs: [voc], groupBy: 'folder' }, undefined);
    await assertSameSplit(s.workspace, { format: 'voc', inputs: [voc] }, 'groups:3:0.4');
    const crops = await previewImageSource({ format: 'voc', inputs: [voc] }, 2);
    assert.match(crops.tiles[0]?.name ?? '', /^scene-\d+\.png \((insulator|defect) box\)$/);
    assert.ok((crops.tiles[0]?.sourceWidth ?? 999) < 128, 'a tile is the crop of a box, not the scene');

    const entries: Record<string, Uint8Array> = {};
    for (const [split, count] of Object.entries({ train: 6, test: 4 })) {
      entries[`${split}_images.npy`] = npy(
        '|u1',
        [count, 4, 4],
        Uint8Array.from({ length: count * 16 }, (_, i) => i % 256),
      );
      entries[`${split}_labels.npy`] = npy(
        '|u1',
        [count],
        Uint8Array.from({ length: count }, (_, i) => i % 2),
      );
    }
    const archive = join(s.dir, 'tiny.npz');
    writeFileSync(archive, zipSync(entries));
    await assertSameSplit(s.workspace, { format: 'npz', inputs: [archive] }, undefined);
  } finally {
    s.cleanup();
  }
});

test('an unreadable file shows as a tile with its error; a missing folder fails the preview by name', async () => {
  const s = scratch('preview-bad');
  try {
    for (const c of ['a', 'b']) mkdirSync(join(s.dir, c));
    writeFileSync(join(s.dir, 'a', 'empty.png'), '');
    await writeSyntheticMammograms({
      out: join(s.dir, 'b', 'm'),
      patients: 2,
      imagesPerPatient: 1,
      size: 16,
      seed: 1,
      format: 'png',
    });
    const preview = await previewImageSource({ format: 'images', inputs: [s.dir] }, 4);
    const bad = preview.tiles.find((t) => t.name === 'empty.png');
    assert.match(bad?.error ?? '', /empty\.png.*0 bytes/);
    assert.equal(bad?.pixels, '');
    await assert.rejects(
      previewImageSource({ format: 'images', inputs: [join(s.dir, 'nowhere')] }, 4),
      /nowhere: no such folder/,
    );
    const one = await previewImageSource({ format: 'images', inputs: [join(s.dir, 'b', 'm')] }, 4);
    assert.ok(one.problems.some((p) => /one class only/.test(p)) || one.classes.length >= 2);
  } finally {
    s.cleanup();
  }
});

test('stored thumbnails: PNG data addresses spread over the classes, as the model sees the images', async () => {
  const s = scratch('thumbs');
  try {
    const out = join(s.dir, 'mammo');
    await writeSyntheticMammograms({
      out,
      patients: 4,
      imagesPerPatient: 3,
      size: 24,
      seed: 5,
      format: 'dicom',
    });
    const imported = await importImageDataset(
      s.workspace,
      { format: 'dicom', inputs: [out], name: 'thumbs', height: 16 },
      quietContext(),
    );
    const thumbs = await datasetThumbnails(s.workspace, imported.datasetId, { count: 5 });
    assert.equal(thumbs.images.length, 5);
    assert.equal(thumbs.count, 12);
    const dataset = loadImageDataset(s.workspace, imported.datasetId);
    const classesPresent = new Set(Array.from(dataset.labels, (l) => dataset.classes[l]));
    assert.equal(new Set(thumbs.images.map((t) => t.label)).size, Math.min(5, classesPresent.size));
    for (const t of thumbs.images) assert.match(t.png, /^data:image\/png;base64,iVBORw0KGgo/);
    const chosen = await datasetThumbnails(s.workspace, imported.datasetId, { indices: [11, 0] });
    assert.deepEqual(
      chosen.images.map((t) => t.index),
      [11, 0],
    );
    await assert.rejects(
      datasetThumbnails(s.workspace, imported.datasetId, { indices: [12] }),
      /has 12 images; there is no image 12/,
    );
  } finally {
    s.cleanup();
  }
});

test('the preview window is the core LINEAR window', () => {
  for (const [x, c, w] of [
    [0, 2048, 4096],
    [2047.5, 2048, 4096],
    [100, 40, 1],
    [39, 40, 2],
    [-1000, -600, 1500],
  ] as const)
    assert.equal(windowLinear(x, c, w), windowValue(x, c, w, 'LINEAR'));
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
