import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHITECTURES, isOffered } from '../../src-main/core/models/registry.js';
import {
  datasetInputOf,
  PREFERRED_ARCHITECTURES,
  recommendArchitecture,
} from '../../src-main/core/models/recommended-architecture.js';
import { AttestError } from '../../src-main/core/errors.js';

test('each kind of data gets its architecture, with the reason', () => {
  const ecg = recommendArchitecture({ inputKind: 'ecg-beat', sampleShape: [187, 1] });
  assert.equal(ecg.arch, 'ecg-resnet');
  assert.match(ecg.reason, /heartbeat/);
  assert.equal(recommendArchitecture({ inputKind: 'image', sampleShape: [64, 64, 1] }).arch, 'resnet-small');
  assert.equal(recommendArchitecture({ inputKind: 'ecg-beat-rr' }).arch, 'ecg-resnet-rr');
  assert.equal(recommendArchitecture({ inputKind: 'detection-frame' }).arch, 'centernet-mobile');
  // Larger than any preferred row allows: the first offered architecture for images, said so.
  const huge = recommendArchitecture({ inputKind: 'image', sampleShape: [1024, 1024, 3] });
  const hugeArch = ARCHITECTURES[huge.arch];
  assert.ok(hugeArch !== undefined && isOffered(hugeArch) && hugeArch.inputKinds.includes('image'));
  assert.match(huge.reason, /first architecture offered for image data/);
  assert.throws(
    () => recommendArchitecture({ inputKind: 'spectrogram' }),
    (e: unknown) =>
      e instanceof AttestError &&
      e.code === 'BAD_INPUT' &&
      /no architecture Attest offers reads spectrogram/.test(e.message),
  );
});

test('a preference naming an architecture that is not registered or not offered is passed over', () => {
  const notOffered = Object.entries(ARCHITECTURES).find(([, a]) => !isOffered(a));
  const preferences = [
    { inputKind: 'image', arch: 'resnet-from-another-branch', why: 'not registered here' },
    ...(notOffered !== undefined ? [{ inputKind: 'image', arch: notOffered[0], why: 'not offered' }] : []),
    ...PREFERRED_ARCHITECTURES,
  ];
  const chosen = recommendArchitecture({ inputKind: 'image', sampleShape: [64, 64, 1] }, preferences);
  assert.equal(chosen.arch, 'resnet-small');
  // Every recommendation, whatever the kind, is an offered architecture that reads it.
  for (const preferred of PREFERRED_ARCHITECTURES) {
    const r = recommendArchitecture({ inputKind: preferred.inputKind, sampleShape: [64, 64, 1] });
    const architecture = ARCHITECTURES[r.arch];
    assert.ok(architecture !== undefined && isOffered(architecture));
    assert.ok(architecture.inputKinds.includes(preferred.inputKind));
  }
});

test('a stored dataset row says what it holds without reading its samples', () => {
  assert.deepEqual(datasetInputOf({ kind: 'ecg-beats', summary: {} }), { inputKind: 'ecg-beat' });
  assert.deepEqual(
    datasetInputOf({ kind: 'ecg-beats', summary: {}, params: { preset: 'record-normalized-rr' } }),
    { inputKind: 'ecg-beat-rr' },
  );
  assert.deepEqual(
    datasetInputOf({ kind: 'images', summary: { preprocessing: { height: 28, width: 28, channels: 1 } } }),
    { inputKind: 'image', sampleShape: [28, 28, 1] },
  );
  assert.deepEqual(datasetInputOf({ kind: 'detection-frames', summary: {} }), {
    inputKind: 'detection-frame',
  });
});
