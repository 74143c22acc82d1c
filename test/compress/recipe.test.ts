import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseRecipe } from '../../src-main/core/compress/recipe.js';
import { AttestError } from '../../src-main/core/errors.js';

const PRUNE = { kind: 'prune', scope: 'per-layer', schedule: 'poly' } as const;
const INT8 = { kind: 'quant', precision: 'int8', keepFloat: [] } as const;

test('parseRecipe reads single steps and chains', () => {
  assert.deepEqual(parseRecipe('prune:0.8'), [{ ...PRUNE, sparsity: 0.8 }]);
  assert.deepEqual(parseRecipe('quant:int8'), [INT8]);
  assert.deepEqual(parseRecipe('prune:0.8,quant:int8'), [{ ...PRUNE, sparsity: 0.8 }, INT8]);
  assert.deepEqual(parseRecipe(' prune : .5 , QUANT:INT8 '), [{ ...PRUNE, sparsity: 0.5 }, INT8]);
  assert.deepEqual(parseRecipe('prune:0.99'), [{ ...PRUNE, sparsity: 0.99 }]);
});

test('parseRecipe reads named options and every method', () => {
  assert.deepEqual(parseRecipe('prune:0.9:scope=global:schedule=oneshot'), [
    { kind: 'prune', sparsity: 0.9, scope: 'global', schedule: 'oneshot' },
  ]);
  assert.deepEqual(parseRecipe('filters:0.5'), [
    { kind: 'filters', keep: 0.5, target: 'flops', criterion: 'l1' },
  ]);
  assert.deepEqual(parseRecipe('filters:0.6:target=params:criterion=activation'), [
    { kind: 'filters', keep: 0.6, target: 'params', criterion: 'activation' },
  ]);
  assert.deepEqual(parseRecipe('lowrank:8'), [
    { kind: 'lowrank', rank: 8, p: 2, layers: 'all', subspaces: 1 },
  ]);
  assert.deepEqual(parseRecipe('lowrank:0.9:p=1:layers=conv'), [
    { kind: 'lowrank', energy: 0.9, p: 1, layers: 'conv', subspaces: 1 },
  ]);
  assert.deepEqual(parseRecipe('lowrank:8:p=1:subspaces=3'), [
    { kind: 'lowrank', rank: 8, p: 1, layers: 'all', subspaces: 3 },
  ]);
  assert.throws(() => parseRecipe('lowrank:8:subspaces=2.5'), /subspaces=2.5 is not an integer/);
  assert.throws(() => parseRecipe('lowrank:8:p=3'), /p=3 is outside \[1, 2\].*robust l_p fit/);
  assert.deepEqual(parseRecipe('student:0.5,distill:T=2:alpha=0.5:features=10'), [
    { kind: 'student', width: 0.5 },
    { kind: 'distill', temperature: 2, alpha: 0.5, features: 10 },
  ]);
  assert.deepEqual(parseRecipe('prune:0.9,distill,adv:0.02:steps=3'), [
    { ...PRUNE, sparsity: 0.9 },
    { kind: 'distill', temperature: 4, alpha: 0.7, features: 0 },
    { kind: 'adv', epsilon: 0.02, steps: 3 },
  ]);
  assert.deepEqual(parseRecipe('qat:int8,quant:int8:float=conv_in+output'), [
    { kind: 'qat', precision: 'int8' },
    { ...INT8, keepFloat: ['conv_in', 'output'] },
  ]);
  assert.deepEqual(parseRecipe('distill:teacher=m-0a1b2c'), [
    { kind: 'distill', temperature: 4, alpha: 0.7, features: 0, teacher: 'm-0a1b2c' },
  ]);
  assert.deepEqual(parseRecipe('quant:float16'), [{ kind: 'quant', precision: 'float16', keepFloat: [] }]);
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
    ['quant:int4', /quant:int4 is not supported \(quant:int8 or quant:float16\)/],
    ['prune:0.5:scope=row', /prune scope=row is not one of layer, global/],
    ['prune:0.5:speed=2', /prune has no option "speed"/],
    ['prune:0.5:0.6', /has more than one value/],
    ['lowrank:2.5', /rank 2.5 is not an integer/],
    ['lowrank:4:p=3', /lowrank p=3 is outside \[1, 2\]/],
    ['filters:0', /kept fraction 0 is outside/],
    ['student:0.5,filters:0.5', /student and filters both reshape/],
    ['adv:0', /epsilon 0 is outside/],
    ['distill:3', /distill takes only named options/],
    ['distill:teacher=../x', /is not a model id/],
    ['quant:float16:float=a', /float=LAYERS only applies to quant:int8/],
    ['quant', /quant: is not supported/],
    ['distil:0.5', /unknown method "distil"/],
    ['qat:int4', /qat:int4 is not supported/],
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
        assert.match(error.message, /valid steps are prune:S .* quant:int8 .* quant:float16/, text);
        return true;
      },
      text,
    );
  }
});
