import assert from 'node:assert/strict';
import { test } from 'node:test';

import { engineInfo, initEngine } from '../../src-main/core/engine/backend.js';
import { AttestError } from '../../src-main/core/errors.js';
import { tf } from '../../src-main/core/engine/tf.js';

// Each test file runs in its own process, so the engine starts uninitialised here.

function withBackendEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env['ATTEST_BACKEND'];
  if (value === undefined) delete process.env['ATTEST_BACKEND'];
  else process.env['ATTEST_BACKEND'] = value;
  return fn().finally(() => {
    if (saved === undefined) delete process.env['ATTEST_BACKEND'];
    else process.env['ATTEST_BACKEND'] = saved;
  });
}

function hasNativeBinding(): boolean {
  return tf.findBackendFactory('tensorflow') !== null;
}

test('engineInfo throws before initEngine', () => {
  assert.throws(() => engineInfo(), /not initialised/);
});

test('an unknown ATTEST_BACKEND is a bad-input error naming the choices', async () => {
  await withBackendEnv('gpu', async () => {
    await assert.rejects(initEngine(), (error: unknown) => {
      assert.ok(error instanceof AttestError);
      assert.equal(error.code, 'BAD_INPUT');
      assert.match(error.message, /ATTEST_BACKEND must be one of tensorflow, wasm, cpu.*"gpu"/);
      return true;
    });
  });
  await assert.rejects(initEngine('metal' as 'cpu'), /unknown backend "metal"/);
});

test('automatic choice: native TensorFlow when its binding loads, else wasm, saying why; idempotent', async () => {
  await withBackendEnv(undefined, async () => {
    const info = await initEngine();
    assert.equal(info.tfjsVersion, tf.version_core);
    assert.equal(info.tfjsVersion, '4.22.0');
    assert.equal(tf.getBackend(), info.backend);
    if (hasNativeBinding()) {
      assert.equal(info.backend, 'tensorflow');
      assert.equal(info.fallbackReason, undefined);
    } else {
      // Here @tensorflow/tfjs-node is not installed (its install downloads libtensorflow).
      assert.equal(info.backend, 'wasm');
      assert.match(info.fallbackReason ?? '', /@tensorflow\/tfjs-node: not installed/);
      assert.equal(info.threads, 1, 'the wasm backend runs single-threaded in Node');
    }
    assert.equal(await initEngine(), info, 'a second call returns the same info');
    assert.equal(engineInfo(), info);
    // The kernels training needs are registered whenever wasm is chosen.
    if (info.backend === 'wasm') assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined);
  });
});

test('ATTEST_BACKEND forces a backend; an explicit argument wins; concurrent calls share one start', async () => {
  await withBackendEnv('cpu', async () => {
    const info = await initEngine();
    assert.equal(info.backend, 'cpu');
    assert.equal(info.threads, 1);
    assert.equal(info.fallbackReason, undefined);
    assert.equal(engineInfo().backend, 'cpu');
    const [a, b] = await Promise.all([initEngine('wasm'), initEngine('wasm')]);
    assert.equal(a.backend, 'wasm');
    assert.equal(a, b);
    assert.equal(tf.getBackend(), 'wasm');
  });
});

test('a forced backend that cannot start is an error, not a silent fallback', async (t) => {
  if (hasNativeBinding()) {
    t.skip('the native binding is installed here');
    return;
  }
  await withBackendEnv('tensorflow', async () => {
    await assert.rejects(initEngine(), (error: unknown) => {
      assert.ok(error instanceof AttestError);
      assert.equal(error.code, 'BAD_INPUT');
      assert.match(error.message, /backend tensorflow was requested but cannot start: .*not installed/);
      return true;
    });
  });
  // The engine keeps working on what it had.
  assert.equal(engineInfo().backend, 'wasm');
});

test('engineInfo refuses to report a backend that was switched behind its back', async () => {
  await initEngine('wasm');
  await tf.setBackend('cpu');
  assert.throws(() => engineInfo(), /backend is cpu but initEngine chose wasm/);
  const info = await initEngine('wasm');
  assert.equal(engineInfo(), info);
});
