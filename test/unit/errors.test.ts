import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttestError, badInput, exitCodeFor } from '../../src-main/core/errors.js';

test('bad input names the file and maps to exit code 2', () => {
  const error = badInput('checksum mismatch', '/data/100.dat');
  assert.equal(error.message, '/data/100.dat: checksum mismatch');
  assert.equal(exitCodeFor(error), 2);
  assert.equal(exitCodeFor(new AttestError('VERIFY_FAILED', 'x')), 3);
  assert.equal(exitCodeFor(new Error('x')), 1);
});
