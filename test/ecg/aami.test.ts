import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AAMI_CLASSES, aamiClassOf, countAamiBeats } from '../../src-main/core/data/ecg/aami.js';

test('AAMI EC57 mapping of MIT-BIH beat symbols', () => {
  assert.deepEqual([...AAMI_CLASSES], ['N', 'S', 'V', 'F', 'Q']);
  const expected: Record<string, string> = {
    N: 'N',
    L: 'N',
    R: 'N',
    e: 'N',
    j: 'N',
    A: 'S',
    a: 'S',
    J: 'S',
    S: 'S',
    V: 'V',
    E: 'V',
    F: 'F',
    '/': 'Q',
    f: 'Q',
    Q: 'Q',
  };
  for (const [symbol, cls] of Object.entries(expected)) assert.equal(aamiClassOf(symbol), cls, symbol);
  // Rhythm, noise, artifact, waves, notes and unknown custom codes are not beats.
  for (const symbol of [
    '+',
    '~',
    '|',
    'x',
    '!',
    '[',
    ']',
    '"',
    'p',
    't',
    'u',
    'B',
    'n',
    'r',
    '?',
    '[45]',
    '',
    'NN',
  ])
    assert.equal(aamiClassOf(symbol), undefined, symbol);
  assert.deepEqual(countAamiBeats(['N', 'L', '+', 'A', 'V', 'E', 'F', '/', 'x']), {
    N: 2,
    S: 1,
    V: 2,
    F: 1,
    Q: 1,
  });
});
