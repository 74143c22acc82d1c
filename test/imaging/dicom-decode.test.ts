import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomImage } from '../../src-main/core/data/dicom/read-dicom.js';
import { inspectDicom } from '../../src-main/core/data/dicom/inspect.js';
import { windowValue } from '../../src-main/core/data/dicom/display.js';
import { DICOM_FIXTURES, HAS_SHARED_DATA, SHARED_CONFORMANCE, SHARED_DATA } from './paths.js';
import { sharedPresent } from '../helpers/reference.js';

interface Reference {
  rows: number;
  columns: number;
  bitsStored: number;
  photometric: string;
  transferSyntax: string;
  samplesPerPixel: number;
  rawMin?: number;
  rawMax?: number;
  rawMean?: number;
}

function stats(values: ArrayLike<number>) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, max, mean: sum / values.length };
}

const sharedDicom = join(SHARED_DATA, 'dicom');
const reference = JSON.parse(
  readFileSync(
    HAS_SHARED_DATA
      ? join(SHARED_CONFORMANCE, 'dicom.reference.json')
      : join(DICOM_FIXTURES, 'dicom.reference.json'),
    'utf8',
  ),
) as Record<string, Reference>;

function pathOf(name: string): string {
  const fixture = join(DICOM_FIXTURES, name);
  return existsSync(fixture) ? fixture : join(sharedDicom, name);
}

test('every DICOM file decodes, and stored pixels match pydicom where it has a decoder', async () => {
  const names = Object.keys(reference).filter((n) => existsSync(pathOf(n)));
  assert.ok(names.length >= 7, `only ${names.length} reference files found`);
  for (const name of names) {
    const ref = reference[name] as Reference;
    const { dicom, stored, image } = await readDicomImage(pathOf(name));
    assert.equal(dicom.transferSyntax.uid, ref.transferSyntax, name);
    assert.equal(dicom.layout.rows, ref.rows, name);
    assert.equal(dicom.layout.columns, ref.columns, name);
    assert.equal(dicom.layout.bitsStored, ref.bitsStored, name);
    assert.equal(dicom.layout.photometric, ref.photometric, name);
    assert.equal(stored.values.length, ref.rows * ref.columns * ref.samplesPerPixel, name);
    assert.equal(image.data.length, ref.rows * ref.columns * image.channels, name);
    const displayed = stats(image.data);
    assert.ok(
      displayed.min >= 0 && displayed.max <= 1 && displayed.max > displayed.min,
      `${name} displayed range`,
    );
    if (ref.rawMin === undefined || name === 'mlut_18.dcm') continue;
    const s = stats(stored.values);
    assert.equal(s.min, ref.rawMin, `${name} min`);
    assert.equal(s.max, ref.rawMax, `${name} max`);
    assert.ok(Math.abs(s.mean - (ref.rawMean as number)) < 1e-3, `${name} mean ${s.mean} vs ${ref.rawMean}`);
  }
});

test('12-bit JPEG Extended and JPEG 2000 decode close to the lossless JPEG of the same NM image', async (t) => {
  const lossless = join(sharedDicom, 'JPEG-LL.dcm');
  if (!sharedPresent(t, lossless)) return;
  const truth = (await readDicomImage(lossless)).stored.values;
  for (const [name, bound] of [
    ['JPEG-lossy.dcm', 4],
    ['JPEG2000.dcm', 8],
  ] as const) {
    const values = (await readDicomImage(pathOf(name))).stored.values;
    let error = 0;
    for (let i = 0; i < values.length; i++) error += Math.abs((values[i] as number) - (truth[i] as number));
    const mae = error / values.length;
    // The image spans 0..278; lossy coding leaves a few units of error, a wrong decoder tens.
    assert.ok(mae < bound, `${name}: mean absolute error ${mae} against the lossless decode`);
  }
});

test('the same MR image decodes identically from native, RLE and JPEG-LS', async () => {
  const native = (await readDicomImage(pathOf('MR_small.dcm'))).stored.values;
  for (const name of ['MR_small_RLE.dcm', 'MR_small_jpeg_ls_lossless.dcm']) {
    const other = (await readDicomImage(pathOf(name))).stored.values;
    assert.deepEqual(Array.from(other), Array.from(native), name);
  }
});

test('window center/width follows PS3.3 C.11.2.1.2 and MONOCHROME1 is inverted', async (t) => {
  const mr = await readDicomImage(pathOf('MR_small.dcm'));
  assert.equal(mr.image.steps.voi, 'window');
  assert.deepEqual(mr.image.steps.window, { center: 600, width: 1600, function: 'LINEAR' });
  const i = mr.stored.values.indexOf(Math.min(...mr.stored.values));
  // 127 under center 600, width 1600: (127 - 599.5) / 1599 + 0.5
  assert.ok(Math.abs((mr.image.data[i] as number) - ((127 - 599.5) / 1599 + 0.5)) < 1e-6);
  assert.equal(windowValue(-1000, 40, 400, 'LINEAR'), 0);
  assert.equal(windowValue(1000, 40, 400, 'LINEAR'), 1);
  assert.equal(windowValue(40, 40, 400, 'LINEAR_EXACT'), 0.5);
  assert.equal(windowValue(40, 40, 400, 'SIGMOID'), 0.5);
  // A window asked for at import replaces the file's: a narrow one saturates almost every pixel.
  const narrow = await readDicomImage(pathOf('MR_small.dcm'), { window: { center: 500, width: 2 } });
  assert.deepEqual(narrow.image.steps.window, { center: 500, width: 2, function: 'LINEAR' });
  const saturated = Array.from(narrow.image.data).filter((v) => v === 0 || v === 1).length;
  assert.ok(saturated > 0.99 * narrow.image.data.length);
  const ct = await readDicomImage(pathOf('CT_small.dcm'));
  assert.equal(ct.image.steps.modality, 'rescale');
  assert.equal(ct.dicom.display.rescaleIntercept, -1024);
  const cr = join(sharedDicom, 'RG3_J2KI.dcm');
  if (!sharedPresent(t, cr)) return;
  const mono1 = await readDicomImage(cr);
  assert.equal(mono1.dicom.layout.photometric, 'MONOCHROME1');
  assert.equal(mono1.image.steps.inverted, true);
  assert.equal(mono1.dicom.description.laterality, 'R');
  assert.equal(mono1.dicom.description.viewPosition, 'AP');
  // The brightest stored value shows darkest: 1 - window(x).
  const k = mono1.stored.values.indexOf(1023);
  const expected = 1 - windowValue(1023, 550, 1024, 'LINEAR');
  assert.ok(Math.abs((mono1.image.data[k] as number) - expected) < 1e-6);
});

test('Modality LUT and VOI LUT sequences are applied from the file', async (t) => {
  const mlut = join(sharedDicom, 'mlut_18.dcm');
  const vlut = join(sharedDicom, 'vlut_04.dcm');
  if (!sharedPresent(t, mlut, vlut)) return;
  const m = await readDicomImage(mlut);
  assert.equal(m.image.steps.modality, 'modality-lut');
  const lut = m.dicom.display.modalityLut;
  assert.ok(lut !== undefined);
  assert.equal(lut.firstMapped, -2048);
  assert.equal(lut.data.length, 4096);
  // 12 bits stored, signed: values are sign-extended from bit 11 (pydicom 2.4 reports the raw 16-bit words).
  const s = stats(m.stored.values);
  assert.ok(s.min >= -2048 && s.max <= 2047);
  const v = await readDicomImage(vlut);
  assert.equal(v.image.steps.voi, 'voi-lut');
  const voi = v.dicom.display.voiLut;
  assert.ok(voi !== undefined);
  const j = 1000;
  const x = v.stored.values[j] as number;
  const entry = voi.data[Math.min(voi.data.length - 1, Math.max(0, x - voi.firstMapped))] as number;
  assert.ok(Math.abs((v.image.data[j] as number) - entry / (2 ** voi.bits - 1)) < 1e-6);
});

test('inspect withholds patient identifiers unless asked', async () => {
  const shown = await inspectDicom(pathOf('CT_small.dcm'), { showIdentifiers: true });
  const hidden = await inspectDicom(pathOf('CT_small.dcm'));
  const id = (shown.identifiers as Record<string, string>)['patientId'];
  assert.ok(id !== undefined && id.length > 0);
  assert.ok(!JSON.stringify(hidden).includes(id));
  assert.match(String((hidden.identifiers as Record<string, string>)['patientId']), /withheld/);
  assert.equal(hidden.rows, 128);
  assert.equal(hidden.pixels.stored.min, 128);
});

test('shared DICOM folder: every file decodes', async (t) => {
  if (!sharedPresent(t, sharedDicom)) return;
  const names = readdirSync(sharedDicom).filter((n) => n.endsWith('.dcm'));
  for (const name of names) await readDicomImage(join(sharedDicom, name));
  assert.ok(names.length >= 11);
});
