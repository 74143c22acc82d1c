import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseRecipe } from '../../src-main/core/compress/recipe.js';
import { AttestError } from '../../src-main/core/errors.js';

test('parseRecipe reads single steps and chains', () => {
  assert.deepEqual(parseRecipe('prune:0.8'), [{ kind: 'prune', sparsity: 0.8 }]);
  assert.deepEqual(parseRecipe('quant:int8'), [{ kind: 'quant', precision: 'int8' }]);
  assert.deepEqual(parseRecipe('prune:0.8,quant:int8'), [
    { kind: 'prune', sparsity: 0.8 },
    { kind: 'quant', precision: 'int8' },
  ]);
  assert.deepEqual(parseRecipe(' prune : .5 , QUANT:INT8 '), [
    { kind: 'prune', sparsity: 0.5 },
    { kind: 'quant', precision: 'int8' },
  ]);
  assert.deepEqual(parseRecipe('prune:0.99'), [{ kind: 'prune', sparsity: 0.99 }]);
});

test('parseRecipe rejects absurd recipes with BAD_INPUT and lists the valid forms', () => {
  const cases: [string, RegExp][] = [
    ['', /is empty/],
    ['   ', /is empty/],
    ['prune:0.8,', /has an empty step/],
    ['prune:0', /sparsity 0 is outside \(0, 0.99\]/],
    ['prune:1', /sparsity 1 is outside \(0, 0.99\] \(it is a fraction, not a percentage\)/],
    ['prune:80', /sparsity 80 is outside .*not a percentage/],
    ['prune:0.995', /sparsity 0.995 is outside/],
    ['prune:80%', /sparsity "80%" is not a decimal number/],
    ['prune:-0.5', /sparsity "-0.5" is not a decimal number/],
    ['prune:NaN', /sparsity "NaN" is not a decimal number/],
    ['prune:8e-1', /not a decimal number/],
    ['prune', /prune needs a sparsity/],
    ['prune:', /prune needs a sparsity/],
    ['quant:int4', /quant:int4 is not supported \(only quant:int8\)/],
    ['quant', /quant: is not supported/],
    ['distil:0.5', /unknown method "distil"/],
    ['quant:int8,prune:0.8', /step prune:0.8 comes after quant, which must be last/],
    ['prune:0.5,prune:0.8', /step prune appears twice/],
    ['quant:int8,quant:int8', /step quant appears twice/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseRecipe(text),
      (error: unknown) => {
        assert.ok(error instanceof AttestError, text);
        assert.equal(error.code, 'BAD_INPUT', text);
        assert.match(error.message, message, text);
        assert.match(error.message, /valid steps are prune:S .* and quant:int8/, text);
        return true;
      },
      text,
    );
  }
});
