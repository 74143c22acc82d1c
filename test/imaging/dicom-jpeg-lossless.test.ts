import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readDicomImage } from '../../src-main/core/data/dicom/read-dicom.js';

/** The DICOM test files shipped inside the jpeg-lossless-decoder-js package (MIT): one image, predictors 1 to 7. */
const DATA = fileURLToPath(
  new URL('../../../node_modules/jpeg-lossless-decoder-js/tests/data/', import.meta.url),
);

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('JPEG Lossless (Process 14): all seven predictors decode to the same image, the checksum its authors publish', async (t) => {
  if (!existsSync(DATA)) return t.skip('jpeg-lossless-decoder-js test data is not installed');
  let reference: Float64Array | undefined;
  for (let selection = 1; selection <= 7; selection++) {
    const { dicom, stored } = await readDicomImage(`${DATA}jpeg_lossless_sel${selection}.dcm`);
    assert.equal(dicom.transferSyntax.uid, '1.2.840.10008.1.2.4.57');
    assert.equal(stored.values.length, 256 * 256);
    if (reference === undefined) {
      reference = stored.values;
      // The package's own test: CRC-32 of the decoded 16-bit little-endian samples of selection value 1.
      const words = Int16Array.from(stored.values);
      assert.equal(crc32(new Uint8Array(words.buffer)), 3476557349);
    } else {
      assert.deepEqual(Array.from(stored.values), Array.from(reference), `selection value ${selection}`);
    }
  }
});
