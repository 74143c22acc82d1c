import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compressionNotes } from '../../src-main/core/compress/compression-notes.js';
import type { ModelMeasurement } from '../../src-main/core/compress/measure-model.js';

const parent: ModelMeasurement = {
  backend: 'cpu',
  sizeBytes: 400_000,
  gzipBytes: 370_000,
  params: 100_000,
  nonzeroParams: 100_000,
  flops: 2_000_000,
  sparseFlops: 2_000_000,
  latencyMs: 1.0,
  batchedMsPerSample: 0.2,
  runs: 30,
};

test('unstructured pruning that left FLOPs unchanged says why and what would be faster', () => {
  const pruned = { ...parent, nonzeroParams: 20_000, sparseFlops: 420_000, latencyMs: 1.2 };
  const notes = compressionNotes(parent, pruned, 'float32');
  assert.equal(notes.length, 2);
  assert.match(notes[0] ?? '', /80% of the weights to zero.*FLOPs unchanged.*420,000.*filters:F.*lowrank:R/);
  assert.match(notes[1] ?? '', /Latency got worse: 1\.200 ms .* 1\.000 ms \(1\.20x slower/);
  assert.match(compressionNotes(parent, pruned, 'int8')[2] ?? '', /save disk .* not inference time/);
});

test('structured pruning that cut FLOPs and kept latency raises no note', () => {
  const filters = { ...parent, params: 50_000, nonzeroParams: 50_000, flops: 1_000_000, latencyMs: 0.6 };
  assert.deepEqual(compressionNotes(parent, filters, 'float32'), []);
});
