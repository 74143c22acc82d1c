import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeDetections, tilePlacements } from '../../src-main/core/detect/tiled-inference.js';
import { toCanvas, toFrame } from '../../src-main/core/detect/frame-placement.js';

test('tiles cover a large frame with overlap, at its own resolution; a small frame is one view', () => {
  const tiles = tilePlacements(500, 300, 128, 128);
  const covered = new Uint8Array(500 * 300);
  for (const t of tiles) {
    assert.equal(t.scale, 1);
    for (let y = -t.offsetY; y < Math.min(300, -t.offsetY + 128); y++)
      for (let x = -t.offsetX; x < Math.min(500, -t.offsetX + 128); x++) covered[y * 500 + x] = 1;
  }
  assert.ok(
    covered.every((v) => v === 1),
    'every pixel in some tile',
  );
  const xs = [...new Set(tiles.map((t) => -t.offsetX))].sort((a, b) => a - b);
  for (let k = 1; k < xs.length; k++) assert.ok((xs[k] as number) - (xs[k - 1] as number) <= 0.75 * 128);
  assert.equal(xs.at(-1), 500 - 128, 'the last tile ends at the frame edge');
  assert.equal(tilePlacements(100, 90, 128, 128).length, 1);
  // A box seen in a tile maps back to the frame where it is.
  const box = { x0: 300, y0: 200, x1: 340, y1: 260 };
  const tile = tiles.find(
    (t) => -t.offsetX <= 300 && -t.offsetX + 128 >= 340 && -t.offsetY <= 200 && -t.offsetY + 128 >= 260,
  );
  assert.ok(tile !== undefined);
  const back = toFrame(toCanvas(box, 500, 300, tile, 128), 500, 300, tile, 128);
  assert.deepEqual(back, box);
});

test('merging views keeps the most confident of overlapping boxes of one class, and other classes', () => {
  const a = { x0: 0, y0: 0, x1: 10, y1: 10, classIndex: 0, score: 0.9 };
  const merged = mergeDetections([
    [a, { ...a, x0: 20, x1: 30, score: 0.4 }],
    [
      { ...a, x0: 1, score: 0.7 },
      { ...a, classIndex: 1, score: 0.6 },
    ],
  ]);
  assert.deepEqual(
    merged.map((d) => [d.classIndex, d.score]),
    [
      [0, 0.9],
      [1, 0.6],
      [0, 0.4],
    ],
  );
});
