import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedClassWeights, softenedClassWeights } from '../../src-main/core/train/class-weights.js';

test('balanced class weights favour rare classes, are capped, and ignore absent ones', () => {
  const labels = [...new Array(90).fill(0), ...new Array(9).fill(1), 2];
  const weights = balancedClassWeights(labels, 5, 25);
  assert.ok(Math.abs((weights[0] ?? 0) - 100 / (3 * 90)) < 1e-12);
  assert.ok(Math.abs((weights[1] ?? 0) - 100 / (3 * 9)) < 1e-12);
  assert.equal(weights[2], 25);
  assert.equal(weights[3], 0);
  assert.equal(weights[4], 0);
});

test('softened weights are the square roots of the balanced ones, keeping their order', () => {
  const labels = [...new Array(90).fill(0), ...new Array(9).fill(1), 2];
  const balanced = balancedClassWeights(labels, 5);
  const softened = softenedClassWeights(labels, 5);
  for (let k = 0; k < 5; k++) assert.ok(Math.abs((softened[k] ?? -1) - Math.sqrt(balanced[k] ?? 0)) < 1e-12);
  assert.ok((softened[2] ?? 0) > (softened[1] ?? 0) && (softened[1] ?? 0) > (softened[0] ?? 0));
});
