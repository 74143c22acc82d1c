import { parentPort, workerData } from 'node:worker_threads';
import { initEngine, type BackendName } from '../engine/backend.js';
import { tf, tfl } from '../engine/tf.js';
import '../models/custom-layers.js';
import { batchGradients, trainableVariables } from './weighted-loss.js';
import type { ReplicaReply, ReplicaRequest } from './replica-protocol.js';

/**
 * A model replica in a worker thread. Training: it takes the weights the main thread sends with each step and
 * returns the gradients of its share of the batch; the main thread sums them with its own and applies the
 * optimizer, so replicas never drift apart. Inference: it takes the weights once and predicts shares of batches.
 */
const port = parentPort;
if (port === null) throw new Error('replica-worker runs in a worker thread');
let model: tfl.LayersModel | undefined;
let variables: tf.Variable[] = [];
let sampleShape: number[] = [];
let classes = 0;

const reply = (message: ReplicaReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

function setWeights(target: tfl.LayersModel, values: Float32Array[]): void {
  const shapes = target.weights.map((w) => w.shape as number[]);
  const weights = values.map((w, k) => tf.tensor(w, shapes[k]));
  target.setWeights(weights);
  for (const w of weights) w.dispose();
}

async function handle(message: ReplicaRequest): Promise<void> {
  if (message.type === 'init') {
    await initEngine((workerData as { backend: BackendName }).backend);
    model = await tfl.models.modelFromJSON({ modelTopology: message.topology } as never);
    sampleShape = message.sampleShape;
    classes = message.classes;
    variables = trainableVariables(model);
    reply({ type: 'ready' });
    return;
  }
  if (model === undefined) throw new Error('replica used before init');
  if (message.type === 'predict') {
    const n = message.x.length / sampleShape.reduce((a, b) => a * b, 1);
    const output = tf.tidy(
      () => model!.predict(tf.tensor(message.x, [n, ...sampleShape]), { batchSize: n }) as tf.Tensor,
    );
    const values = (output.dataSync() as Float32Array).slice();
    output.dispose();
    reply({ type: 'probabilities', values }, [values.buffer as ArrayBuffer]);
    return;
  }
  setWeights(model, message.weights);
  if (message.type === 'load') {
    reply({ type: 'ready' });
    return;
  }
  const { loss, gradients } = batchGradients(
    model,
    variables,
    message,
    sampleShape,
    classes,
    message.scale,
    message.stability,
  );
  reply(
    { type: 'gradients', loss, gradients },
    gradients.map((g) => g.buffer as ArrayBuffer),
  );
}

port.on('message', (message: ReplicaRequest) => {
  handle(message).catch((error: unknown) =>
    reply({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});
