import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { listComparisons } from '../../src-main/core/store/method-comparisons.js';

test('attest defend membership --compare: a bare flag; a model that does not exist is named, exit 2, nothing stored', async () => {
  const home = tempHome('methods-cli');
  try {
    const run = await runCli([
      '--home',
      home.dir,
      'defend',
      'membership',
      '--model',
      'm-000000000000',
      '--compare',
      '--shadow-models',
      '0',
      '--json',
    ]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /m-000000000000/);
    const bad = await runCli([
      '--home',
      home.dir,
      'defend',
      'membership',
      '--model',
      'm-1',
      '--shadow-models',
      '65',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--shadow-models/);
    const workspace = Workspace.open(home.dir);
    try {
      assert.deepEqual(listComparisons(workspace.db), []);
    } finally {
      workspace.close();
    }
  } finally {
    home.cleanup();
  }
});
