import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomImage } from '../../src-main/core/data/dicom/read-dicom.js';
import { AttestError } from '../../src-main/core/errors.js';
import { DICOM_FIXTURES } from './paths.js';

const bytesOf = (name: string) => new Uint8Array(readFileSync(join(DICOM_FIXTURES, name)));

function replaceAscii(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.indexOf(from);
  assert.ok(at >= 0, `"${from}" not found`);
  const out = Uint8Array.from(bytes);
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

async function rejects(bytes: Uint8Array, file: string, pattern: RegExp) {
  await assert.rejects(readDicomImage(file, { bytes }), (error: unknown) => {
    assert.ok(error instanceof AttestError, String(error));
    assert.equal(error.code, 'BAD_INPUT');
    assert.ok(error.message.startsWith(file), error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

test('a truncated DICOM file is refused, naming the file', async () => {
  const whole = bytesOf('MR_small.dcm');
  await rejects(whole.subarray(0, Math.floor(whole.length / 2)), 'cut.dcm', /truncated/);
  await rejects(whole.subarray(0, 600), 'cut-header.dcm', /truncated|damaged/);
});

test('a transfer syntax that disagrees with the pixel data is refused', async () => {
  // RLE pixel data (encapsulated) labelled Explicit VR Little Endian: the two UIDs have the same length.
  const relabelled = replaceAscii(bytesOf('MR_small_RLE.dcm'), '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.1');
  await rejects(relabelled, 'relabelled.dcm', /says native pixels, but Pixel Data is encapsulated/);
  // JPEG-LS data labelled JPEG 2000 (same length): the codec fails and says so.
  const wrongCodec = replaceAscii(
    bytesOf('MR_small_jpeg_ls_lossless.dcm'),
    '1.2.840.10008.1.2.4.80',
    '1.2.840.10008.1.2.4.90',
  );
  await rejects(wrongCodec, 'wrong-codec.dcm', /JPEG 2000.*does not decode|decodes to/);
  const unknown = replaceAscii(bytesOf('MR_small.dcm'), '1.2.840.10008.1.2.1', '1.2.840.10008.9.9.9');
  await rejects(unknown, 'unknown.dcm', /transfer syntax 1\.2\.840\.10008\.9\.9\.9/);
});

test('a pixel data length that disagrees with rows x columns x bits is refused', async () => {
  const bytes = bytesOf('MR_small.dcm');
  // Columns (0028,0011) US 64 -> 65 in explicit little endian: tag bytes 28 00 11 00 'US' 02 00 then the value.
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.indexOf('\x28\x00\x11\x00US\x02\x00');
  assert.ok(at > 0);
  const patched = Uint8Array.from(bytes);
  patched[at + 8] = 65;
  await rejects(patched, 'wide.dcm', /Pixel Data holds 8192 bytes, but rows x columns .* needs 8320/);
});

test('a file that is not DICOM is refused', async () => {
  await rejects(
    new TextEncoder().encode('patient,label\nA,1\n'.repeat(20)),
    'notes.csv',
    /not a DICOM Part 10 file/,
  );
  await rejects(new Uint8Array(0), 'empty.dcm', /not a DICOM Part 10 file/);
});
