import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src-main/core/engine/tf.js';
import { initEngine } from '../../src-main/core/engine/backend.js';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { importModelFile } from '../../src-main/core/pipelines/import/import-model-file.js';
import { tempHome } from '../helpers/temp-home.js';
import { fixture } from './model-files.js';

test('importing leaves no tensor behind, whether the model is stored as is, wrapped, or refused', async () => {
  await initEngine();
  const home = tempHome('attest-import-memory');
  const workspace = Workspace.open(home.dir);
  try {
    const cases: [string, Parameters<typeof importModelFile>[2], boolean][] = [
      ['ptb-cnn-keras2.h5', { name: 'as is', classes: ['normal', 'abnormal'] }, true],
      ['functional-keras2.h5', { name: 'softmax appended' }, true],
      ['channels-first-keras2.h5', { name: 'transpose in front', layout: 'channels-first' }, true],
      ['dynamic-length-keras2.h5', { name: 'refused after loading' }, false],
      ['ptb-cnn-keras2.h5', { name: 'refused classes', classes: ['a', 'b', 'c'] }, false],
    ];
    for (const [file, options, succeeds] of cases) {
      const before = tf.memory().numTensors;
      const attempt = importModelFile(workspace, fixture(file), options);
      if (succeeds) await attempt;
      else await assert.rejects(attempt, /dynamic dimension|--classes names 3 classes/);
      assert.equal(tf.memory().numTensors, before, `${file} (${options.name})`);
    }
  } finally {
    workspace.close();
    home.cleanup();
  }
});
