import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempHome } from '../helpers/temp-home.js';
import { countArtifacts, fixture } from './model-files.js';

/** A refusal: exit 2, with the file and the problem on stderr. */
async function assertRefused(home: string, args: string[], file: string, problem: RegExp): Promise<void> {
  const run = await runCli(['models', 'import', ...args, '--home', home]);
  assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
  assert.ok(run.stderr.includes(file), `the message names ${file}: ${run.stderr}`);
  assert.match(run.stderr, problem);
}

/** After the refusals: no model row, no artifact, no import event. */
async function assertNothingStored(home: string): Promise<void> {
  const listed = await runCli(['models', 'list', '--home', home, '--json']);
  assert.deepEqual(listed.json['models'], []);
  assert.equal(countArtifacts(home), 0);
  const log = await runCli(['audit', 'log', '--home', home, '--json']);
  const events = log.json['events'] as { action: string }[];
  assert.equal(events.filter((e) => e.action === 'model.import').length, 0);
}

test('bad model files are refused with the file and the problem named, and nothing is stored', async () => {
  const home = tempHome('attest-import-refusals');
  try {
    const truncated = join(home.dir, 'truncated.h5');
    writeFileSync(truncated, readFileSync(fixture('ptb-cnn-keras2.h5')).subarray(0, 200_000));
    await assertRefused(
      home.dir,
      [truncated, '--name', 'x'],
      truncated,
      /HDF5 file is truncated: 200000 bytes present, 1362880 expected/,
    );

    const notHdf5 = join(home.dir, 'notes.h5');
    writeFileSync(notHdf5, 'model weights are in the other folder\n');
    await assertRefused(home.dir, [notHdf5, '--name', 'x'], notHdf5, /not an HDF5 file/);

    await assertRefused(
      home.dir,
      [fixture('weights-only-keras2.h5'), '--name', 'x'],
      'weights-only-keras2.h5',
      /weights only: the architecture \(the model_config attribute\) is missing\. Save the whole model .*model\.save/,
    );
    await assertRefused(
      home.dir,
      [fixture('unknown-layer-keras2.h5'), '--name', 'x'],
      'unknown-layer-keras2.h5',
      /layer that Attest cannot run: SeparableConv1D/,
    );
    await assertRefused(
      home.dir,
      [fixture('two-inputs-keras2.h5'), '--name', 'x'],
      'two-inputs-keras2.h5',
      /has 2 inputs \(beat, age\)/,
    );
    await assertRefused(
      home.dir,
      [fixture('dynamic-length-keras2.h5'), '--name', 'x'],
      'dynamic-length-keras2.h5',
      /\[batch, None, 1\] has a dynamic dimension 1 besides the batch/,
    );
    await assertRefused(
      home.dir,
      [fixture('ptb-cnn-keras2.h5'), '--name', 'x', '--classes', 'N,S,V'],
      'ptb-cnn-keras2.h5',
      /--classes names 3 classes \(N, S, V\) but the model outputs 2 scores/,
    );
    const onnx = join(home.dir, 'vendor.onnx');
    writeFileSync(onnx, new Uint8Array([8, 7, 18, 0]));
    await assertRefused(home.dir, [onnx, '--name', 'x'], onnx, /is not an ONNX model or is truncated/);
    await assertNothingStored(home.dir);
  } finally {
    home.cleanup();
  }
});
