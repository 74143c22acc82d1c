import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

import { SyncOrtSession } from '../../src-main/core/models/onnx/ort-sync-session.js';
import { fixtureBytes } from './onnx-helpers.js';

// The session behind runtime-only models and the forward runtime runs ONNX Runtime in a worker thread, which
// inherits the process's Node options. A validation started from a script given with -e (--input-type) once
// left its thread unable to start and the caller blocked for ten minutes.

const sessionModule = new URL('../../src-main/core/models/onnx/ort-sync-session.js', import.meta.url).href;
const helpersModule = new URL('./onnx-helpers.js', import.meta.url).href;

test('a process started with --input-type runs a synchronous ONNX Runtime session and gets PyTorch’s answer', async () => {
  const script = `
    import { SyncOrtSession } from ${JSON.stringify(sessionModule)};
    import { fixtureBytes, fixtureNpy } from ${JSON.stringify(helpersModule)};
    const input = fixtureNpy('torch-cnn1d-opset17.input.npy');
    const expected = fixtureNpy('torch-cnn1d-opset17.output.npy');
    const session = new SyncOrtSession(fixtureBytes('torch-cnn1d-opset17.onnx'), 30000);
    const out = session.run(Float32Array.from(input.data), input.shape);
    session.close();
    let worst = 0;
    for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(out.data[i] - expected.data[i]));
    console.log(JSON.stringify({ worst, n: out.data.length, expected: expected.data.length }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const answer = JSON.parse(stdout.trim()) as { worst: number; n: number; expected: number };
  assert.equal(answer.n, answer.expected);
  assert.ok(answer.worst < 1e-4, `ONNX Runtime vs PyTorch ${answer.worst}`);
});

test('a session whose thread cannot start says so after its start-up wait instead of blocking, and the process goes on', () => {
  const saved = [...process.execArgv];
  // A preload that does not exist stops the thread before its first line, as --input-type once did.
  process.execArgv.push('--require=/nonexistent-attest-preload.cjs');
  try {
    const session = new SyncOrtSession(fixtureBytes('torch-cnn1d-opset17.onnx'), 2000);
    assert.throws(
      () => session.run(new Float32Array(187), [1, 1, 187]),
      /the ONNX Runtime thread did not start within 2 s/,
    );
    assert.throws(() => session.run(new Float32Array(187), [1, 1, 187]), /closed/);
  } finally {
    process.execArgv.splice(0, process.execArgv.length, ...saved);
  }
});
