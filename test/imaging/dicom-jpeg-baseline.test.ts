import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { readDicomImage } from '../../src-main/core/data/dicom/read-dicom.js';
import { writeDicomEncapsulated, writeDicomMammogram } from '../../src-main/core/data/dicom/write-dicom.js';
import { decodeJpegExtended } from '../../src-main/core/data/dicom/jpeg-extended.js';

/** A 48 x 40 grey gradient with a bright square, as a baseline 8-bit JPEG from sharp (libvips' libjpeg). */
async function greyJpeg(): Promise<{ jpeg: Uint8Array; width: number; height: number }> {
  const width = 48;
  const height = 40;
  const pixels = Uint8Array.from({ length: width * height }, (_, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    return x > 10 && x < 20 && y > 10 && y < 20 ? 240 : (x * 4 + y * 2) % 256;
  });
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .jpeg({ quality: 90, chromaSubsampling: '4:4:4', mozjpeg: false })
    .toBuffer();
  return { jpeg: new Uint8Array(jpeg), width, height };
}

test('JPEG Baseline through libjpeg-turbo (WebAssembly) agrees with sharp and with the own sequential decoder; multi-frame', async () => {
  const { jpeg, width, height } = await greyJpeg();
  const file = writeDicomEncapsulated({
    rows: height,
    columns: width,
    bitsAllocated: 8,
    bitsStored: 8,
    samplesPerPixel: 1,
    photometric: 'MONOCHROME2',
    transferSyntax: '1.2.840.10008.1.2.4.50',
    frames: [jpeg, jpeg],
  });
  const frame0 = await readDicomImage('baseline.dcm', { bytes: file });
  const frame1 = await readDicomImage('baseline.dcm', { bytes: file, frame: 1 });
  assert.equal(frame0.dicom.layout.frames, 2);
  const reference = await sharp(jpeg).toColourspace('b-w').raw().toBuffer();
  const own = decodeJpegExtended(jpeg, 'baseline.jpg');
  let worstSharp = 0;
  let worstOwn = 0;
  for (let i = 0; i < width * height; i++) {
    worstSharp = Math.max(
      worstSharp,
      Math.abs((frame0.stored.values[i] as number) - (reference[i] as number)),
    );
    worstOwn = Math.max(worstOwn, Math.abs((frame0.stored.values[i] as number) - (own.samples[i] as number)));
  }
  // Decoders may differ by the rounding of their inverse DCT, never by more than a grey level or two.
  assert.ok(worstSharp <= 2, `libjpeg-turbo vs sharp: ${worstSharp}`);
  assert.ok(worstOwn <= 2, `libjpeg-turbo vs own decoder: ${worstOwn}`);
  assert.deepEqual(Array.from(frame1.stored.values), Array.from(frame0.stored.values));
  await assert.rejects(
    readDicomImage('baseline.dcm', { bytes: file, frame: 2 }),
    /frame 2 does not exist \(the file holds 2\)/,
  );
});

test('JPEG data whose size disagrees with Rows and Columns is refused', async () => {
  const { jpeg, width, height } = await greyJpeg();
  const file = writeDicomEncapsulated({
    rows: height + 8,
    columns: width,
    bitsAllocated: 8,
    bitsStored: 8,
    samplesPerPixel: 1,
    photometric: 'MONOCHROME2',
    transferSyntax: '1.2.840.10008.1.2.4.50',
    frames: [jpeg],
  });
  await assert.rejects(
    readDicomImage('tall.dcm', { bytes: file }),
    /tall\.dcm: JPEG Baseline \(Process 1\) pixel data decodes to 48 x 40 x 1, but the header says 48 x 48 x 1/,
  );
});

test('Deflated Explicit VR Little Endian reads like the plain file', async () => {
  const pixels = Uint16Array.from({ length: 24 * 24 }, (_, i) => (i * 37) % 4096);
  const common = {
    rows: 24,
    columns: 24,
    bitsStored: 12,
    pixels,
    patientId: 'P1',
    studyInstanceUid: '1.2.3',
    sopInstanceUid: '1.2.3.4',
    laterality: 'L' as const,
    viewPosition: 'CC' as const,
  };
  const plain = await readDicomImage('plain.dcm', { bytes: writeDicomMammogram(common) });
  const deflatedBytes = writeDicomMammogram({ ...common, deflate: true });
  const deflated = await readDicomImage('deflated.dcm', { bytes: deflatedBytes });
  assert.equal(deflated.dicom.transferSyntax.name, 'Deflated Explicit VR Little Endian');
  assert.deepEqual(Array.from(deflated.stored.values), Array.from(pixels));
  assert.deepEqual(Array.from(deflated.stored.values), Array.from(plain.stored.values));
  assert.equal(deflated.dicom.description.laterality, 'L');
  assert.ok(deflatedBytes.length < writeDicomMammogram(common).length);
});
