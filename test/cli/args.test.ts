import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Options, parseArgs } from '../../src-main/cli/args.js';

test('options parse in both spellings and unknown ones are refused by name', () => {
  const options = new Options(
    parseArgs(['a', '--epochs', '3', '--seed=7', '--json', 'b'], new Set(['json'])),
  );
  assert.deepEqual(options.positionals, ['a', 'b']);
  assert.equal(options.number('epochs', { min: 1, integer: true }), 3);
  assert.equal(options.number('seed', { integer: true }), 7);
  assert.equal(options.flag('json'), true);
  options.rejectUnknown();
  const typo = new Options(parseArgs(['--epoch', '3'], new Set()));
  assert.throws(() => typo.rejectUnknown(), /unknown option --epoch/);
});

test('absurd numbers are refused with the option named', () => {
  const options = new Options(parseArgs(['--epochs', '-5', '--rate', 'abc'], new Set()));
  assert.throws(
    () => options.number('epochs', { min: 1, max: 1000, integer: true }),
    /--epochs must be an integer between 1 and 1000, got "-5"/,
  );
  assert.throws(() => options.number('rate'), /--rate must be a number/);
  assert.throws(() => parseArgs(['--name'], new Set()), /--name needs a value/);
});
