import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parsePgm } from '../../src-main/core/data/images/pgm.js';
import { readImageFile } from '../../src-main/core/data/images/read-image.js';
import { encodePng } from '../../src-main/core/data/images/write-synthetic.js';
import { AttestError } from '../../src-main/core/errors.js';
import { SHARED_DATA } from './paths.js';
import { sharedPresent } from '../helpers/reference.js';

test('PGM: binary 16-bit (big-endian) and plain 8-bit greymaps, comments in the header', () => {
  const header = new TextEncoder().encode('P5\n# a comment\n3 2\n65535\n');
  const values = [0, 1, 256, 32768, 65534, 65535];
  const body = new Uint8Array(values.length * 2);
  values.forEach((v, i) => {
    body[2 * i] = v >> 8;
    body[2 * i + 1] = v & 255;
  });
  const bytes = new Uint8Array(header.length + body.length);
  bytes.set(header);
  bytes.set(body, header.length);
  const image = parsePgm(bytes, 'a.pgm');
  assert.equal(image.width, 3);
  assert.equal(image.height, 2);
  assert.equal(image.bitDepth, 16);
  assert.deepEqual(
    Array.from(image.data, (v) => Math.round(v * 65535)),
    values,
  );
  const plain = parsePgm(new TextEncoder().encode('P2 2 2 4 0 1 2 4'), 'b.pgm');
  assert.deepEqual(Array.from(plain.data), [0, 0.25, 0.5, 1]);
  assert.throws(
    () => parsePgm(bytes.subarray(0, bytes.length - 3), 'short.pgm'),
    /short\.pgm: pixel data holds 9 bytes/,
  );
});

test('16-bit greyscale PNG keeps its 16 bits and one channel; TIFF reads; RGB JPEG decodes to 3 channels', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-readers-'));
  try {
    const values = Uint16Array.from({ length: 64 }, (_, i) => i * 1000 + 7);
    const image = {
      width: 8,
      height: 8,
      channels: 1 as const,
      data: Float32Array.from(values, (v) => v / 65535),
      bitDepth: 16,
    };
    writeFileSync(join(dir, 'a.png'), await encodePng(image));
    const png = await readImageFile(join(dir, 'a.png'));
    assert.equal(png.image.channels, 1);
    assert.equal(png.image.bitDepth, 16);
    assert.deepEqual(
      Array.from(png.image.data, (v) => Math.round(v * 65535)),
      Array.from(values),
    );
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => i * 4);
    await sharp(bytes, { raw: { width: 8, height: 8, channels: 1 } })
      .toColourspace('b-w')
      .tiff()
      .toFile(join(dir, 'a.tif'));
    const tif = await readImageFile(join(dir, 'a.tif'));
    assert.equal(tif.image.channels, 1);
    assert.equal(tif.format, 'tiff');
    // libvips' TIFF round trip moves grey levels by a few steps; the layout must be exact.
    assert.equal(tif.image.data.length, 64);
    tif.image.data.forEach((v, i) => assert.ok(Math.abs(v * 255 - (bytes[i] as number)) <= 6, `sample ${i}`));
    const rgb = Buffer.alloc(16 * 16 * 3, 0);
    for (let i = 0; i < 256; i++) rgb[i * 3] = 200; // red
    await sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } })
      .jpeg({ quality: 95 })
      .toFile(join(dir, 'a.jpg'));
    const jpg = await readImageFile(join(dir, 'a.jpg'));
    assert.equal(jpg.image.channels, 3);
    assert.ok(Math.abs((jpg.image.data[0] as number) - 200 / 255) < 0.03);
    assert.ok((jpg.image.data[1] as number) < 0.05);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a 0-byte PNG and a text file named .png are refused, naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-readers-'));
  try {
    writeFileSync(join(dir, 'empty.png'), new Uint8Array(0));
    writeFileSync(join(dir, 'notes.png'), 'not an image at all, just words');
    for (const [name, pattern] of [
      ['empty.png', /empty \(0 bytes\)/],
      ['notes.png', /not a readable image/],
    ] as const) {
      await assert.rejects(readImageFile(join(dir, name)), (error: unknown) => {
        assert.ok(error instanceof AttestError);
        assert.equal(error.code, 'BAD_INPUT');
        assert.ok(error.message.includes(join(dir, name)), error.message);
        assert.match(error.message, pattern);
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function bmp(
  width: number,
  height: number,
  bits: 24 | 32,
  topDown: boolean,
  pixel: (x: number, y: number) => [number, number, number],
): Uint8Array {
  const rowBytes = Math.ceil((width * bits) / 32) * 4;
  const out = new Uint8Array(54 + rowBytes * height);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, topDown ? -height : height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bits, true);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const at = 54 + (topDown ? y : height - 1 - y) * rowBytes + (x * bits) / 8;
      out[at] = b;
      out[at + 1] = g;
      out[at + 2] = r;
    }
  return out;
}

test('BMP: 24-bit bottom-up and 32-bit top-down give the same pixels; the real power-line frames read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-bmp-'));
  try {
    const pixel = (x: number, y: number): [number, number, number] => [x * 40, y * 50, 255 - x * 10];
    writeFileSync(join(dir, 'a.bmp'), bmp(5, 3, 24, false, pixel));
    writeFileSync(join(dir, 'b.bmp'), bmp(5, 3, 32, true, pixel));
    const a = await readImageFile(join(dir, 'a.bmp'));
    const b = await readImageFile(join(dir, 'b.bmp'));
    const expected = [];
    for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) expected.push(...pixel(x, y));
    assert.deepEqual(
      Array.from(a.image.data, (v) => Math.round(v * 255)),
      expected,
    );
    assert.deepEqual(
      Array.from(b.image.data, (v) => Math.round(v * 255)),
      expected,
    );
    writeFileSync(join(dir, 'cut.bmp'), bmp(5, 3, 24, false, pixel).subarray(0, 60));
    await assert.rejects(readImageFile(join(dir, 'cut.bmp')), /cut\.bmp: BMP is truncated/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const real = join(SHARED_DATA, 'powerline', 'VL_TV_0001.bmp');
  if (!sharedPresent(t, real)) return;
  for (const name of ['VL_TV_0001.bmp', 'IR_TV_0001.bmp']) {
    const r = await readImageFile(join(SHARED_DATA, 'powerline', name));
    assert.equal(r.image.width, 128);
    assert.equal(r.image.height, 128);
  }
});
