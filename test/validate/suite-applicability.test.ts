import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSuitesApply } from '../../src-main/core/validate/suite-applicability.js';

test('a suite that cannot apply to the dataset is refused before anything runs, naming the dataset', () => {
  assert.doesNotThrow(() =>
    checkSuitesApply({ id: 'ds-ecg', kind: 'ecg-beats' }, ['clean', 'fgsm', 'noise']),
  );
  assert.doesNotThrow(() => checkSuitesApply({ id: 'ds-img', kind: 'images' }, ['clean', 'corruptions']));
  assert.throws(
    () => checkSuitesApply({ id: 'ds-img', kind: 'images' }, ['clean', 'fgsm', 'noise']),
    (error: Error & { code?: string }) =>
      error.code === 'BAD_INPUT' &&
      /^the noise suite adds recorded ECG noise to beats in mV; dataset ds-img is images \(for images use corruptions\)\. Nothing was run\.$/.test(
        error.message,
      ),
  );
  assert.throws(
    () => checkSuitesApply({ id: 'ds-ecg', kind: 'ecg-beats' }, ['corruptions']),
    /the corruptions suite corrupts images; dataset ds-ecg is ecg-beats/,
  );
});
