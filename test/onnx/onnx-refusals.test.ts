import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initEngine } from '../../src-main/core/engine/backend.js';
import { AttestError, exitCodeFor } from '../../src-main/core/errors.js';
import { importOnnx } from '../../src-main/core/models/onnx/import-onnx.js';
import { OnnxGraphBuilder } from '../../src-main/core/models/onnx/onnx-builder.js';
import { fixtureBytes } from './onnx-helpers.js';

async function refusal(bytes: Uint8Array, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(importOnnx(bytes, file), (error: unknown) => {
    assert.ok(error instanceof AttestError, String(error));
    assert.equal(exitCodeFor(error), 2);
    assert.ok(error.message.startsWith(`${file}: `), error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Input [batch, 1, 8] -> Relu -> output, with the given changes. */
function tiny(opset = 13): OnnxGraphBuilder {
  return new OnnxGraphBuilder(opset).input('x', ['batch', 1, 8]).output('y', ['batch', 1, 8]);
}

test('a file that is not ONNX, or is truncated, is refused with its name', async () => {
  await initEngine();
  await refusal(
    new TextEncoder().encode('{"modelTopology": {}}\n'),
    'model.json',
    /not an ONNX model or is truncated/,
  );
  const whole = fixtureBytes('ecg-resnet-pytorch.onnx');
  await refusal(
    whole.subarray(0, Math.floor(whole.length / 2)),
    'cut.onnx',
    /not an ONNX model or is truncated/,
  );
});

test('an operator that cannot be converted is refused by name', async () => {
  await initEngine();
  const b = tiny();
  b.node('Erf', ['x'], {}, ['y']);
  await refusal(b.encode(), 'erf.onnx', /operator Erf \(node "Erf_0"\) cannot be converted/);
  const grouped = new OnnxGraphBuilder(13).input('x', ['batch', 4, 8]).output('y', ['batch', 4, 8]);
  grouped.node(
    'Conv',
    ['x', grouped.floats('w', new Array(4 * 2 * 3).fill(0.1), [4, 2, 3])],
    { group: { i: 2 }, pads: { ints: [1, 1] } },
    ['y'],
  );
  await refusal(
    grouped.encode(),
    'grouped.onnx',
    /operator Conv .* group=2 .*neither ordinary nor depthwise/,
  );
});

test('several inputs or outputs are refused', async () => {
  await initEngine();
  const two = tiny().input('z', ['batch', 1, 8]);
  two.node('Add', ['x', 'z'], {}, ['y']);
  await refusal(two.encode(), 'two-inputs.onnx', /has 2 inputs \(x, z\)/);
  const outs = tiny().output('w', ['batch', 1, 8]);
  outs.node('Relu', ['x'], {}, ['y']);
  outs.node('Sigmoid', ['x'], {}, ['w']);
  await refusal(outs.encode(), 'two-outputs.onnx', /has 2 outputs \(y, w\)/);
});

test('a dynamic dimension other than the batch is refused', async () => {
  await initEngine();
  const b = new OnnxGraphBuilder(13).input('x', ['batch', 1, 'length']).output('y', ['batch', 1, 'length']);
  b.node('Relu', ['x'], {}, ['y']);
  await refusal(b.encode(), 'dynamic.onnx', /dimension 2 of its input "x" is dynamic \("length"\)/);
});

test('an opset outside 11 to 17 is refused', async () => {
  await initEngine();
  for (const opset of [10, 18]) {
    const b = tiny(opset);
    b.node('Relu', ['x'], {}, ['y']);
    await refusal(
      b.encode(),
      `opset${opset}.onnx`,
      new RegExp(`opset ${opset}; Attest reads opsets 11 to 17`),
    );
  }
});

test('a dynamic batch that the graph does not honour (a Reshape to [1, -1]) is refused', async () => {
  await initEngine();
  const b = new OnnxGraphBuilder(13).input('x', ['batch', 2, 4]).output('y', ['batch', 8]);
  b.node('Reshape', ['x', b.int64s('flat', [1, -1])], {}, ['y']);
  await refusal(
    b.encode(),
    'traced.onnx',
    /ONNX Runtime returns \[1, 64\] for a batch of 8: the graph fixes its batch size/,
  );
});
