import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { ArtifactStore } from '../../src-main/core/store/artifacts.js';
import {
  decodeTensorBundle,
  encodeTensorBundle,
  tensorBundleParts,
} from '../../src-main/core/store/tensor-bundle.js';
import { tempHome } from '../helpers/temp-home.js';

test('artifacts are named by the SHA-256 of their bytes, stored once, and re-hashed on read', () => {
  const home = tempHome();
  try {
    const store = new ArtifactStore(home.dir);
    const bytes = new TextEncoder().encode('weights');
    const { sha256, size } = store.put(bytes);
    assert.equal(sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(size, 7);
    assert.equal(store.put(bytes).sha256, sha256);
    assert.deepEqual(readdirSync(home.dir), [sha256.slice(0, 2)]);
    assert.equal(store.get(sha256).toString(), 'weights');
    assert.equal(store.verify(sha256), 'ok');
    writeFileSync(store.pathOf(sha256), 'weightz');
    assert.equal(store.verify(sha256), 'altered');
    assert.throws(() => store.get(sha256), /does not match its SHA-256/);
    assert.equal(store.verify('a'.repeat(64)), 'missing');
    assert.throws(() => store.pathOf('../../etc/passwd'), /not a SHA-256/);
  } finally {
    home.cleanup();
  }
});

test('tensor bundles round-trip typed arrays and reject damaged bytes', () => {
  const windows = new Float32Array([1.5, -2.25, 3]);
  const labels = new Uint8Array([0, 4, 2]);
  const positions = new Float64Array([1e10, 2, 3]);
  const bytes = encodeTensorBundle({ windows, labels, positions }, { length: 1 });
  const decoded = decodeTensorBundle(bytes);
  assert.deepEqual(decoded.meta, { length: 1 });
  assert.deepEqual(decoded.arrays.get('windows'), windows);
  assert.deepEqual(decoded.arrays.get('labels'), labels);
  assert.deepEqual(decoded.arrays.get('positions'), positions);
  assert.throws(
    () => decodeTensorBundle(bytes.subarray(0, bytes.length - 8), 'x.bin'),
    /x.bin: array .* runs past/,
  );
  assert.throws(() => decodeTensorBundle(new Uint8Array(20), 'y.bin'), /y.bin: not an Attest tensor bundle/);
});

test('a bundle written part by part is byte for byte the joined bundle, stored under the same digest, once', () => {
  const home = tempHome();
  try {
    const store = new ArtifactStore(home.dir);
    // Chunks of odd byte lengths, so the padding between arrays is exercised.
    const chunks = [Uint16Array.from([1, 2, 3]), Uint16Array.from([4, 5]), Uint16Array.from([65535])];
    const joined = Uint16Array.from([1, 2, 3, 4, 5, 65535]);
    const labels = Uint8Array.from([0, 1, 1]);
    const meta = { kind: 'images', classes: ['a', 'b'] };
    const whole = encodeTensorBundle({ pixels: joined, labels }, meta);
    const parts = tensorBundleParts({ pixels: chunks, labels }, meta);
    assert.ok(parts.length > 3, 'the chunks were joined');
    assert.deepEqual(Buffer.concat(parts), Buffer.from(whole));
    const first = store.putParts(parts);
    assert.equal(first.existed, false);
    assert.equal(first.sha256, createHash('sha256').update(whole).digest('hex'));
    assert.equal(first.size, whole.byteLength);
    assert.equal(store.putParts(parts).existed, true);
    assert.equal(store.put(whole).sha256, first.sha256);
    const decoded = decodeTensorBundle(store.get(first.sha256));
    assert.deepEqual([...(decoded.arrays.get('pixels') ?? [])], [...joined]);
    // No temporary file is left beside the stored one.
    const files = readdirSync(home.dir).flatMap((d) => readdirSync(`${home.dir}/${d}`));
    assert.deepEqual(files, [first.sha256]);
    assert.throws(
      () => tensorBundleParts({ mixed: [Uint16Array.from([1]), Float32Array.from([1])] }),
      /differ in kind/,
    );
  } finally {
    home.cleanup();
  }
});
