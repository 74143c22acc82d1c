import { parentPort, workerData } from 'node:worker_threads';
import { initEngine, type BackendName } from '../engine/backend.js';
import { tf, tfl } from '../engine/tf.js';
import { batchGradients, trainableVariables } from './weighted-loss.js';
import type { ReplicaReply, ReplicaRequest } from './replica-protocol.js';

/**
 * A training replica in a worker thread: it holds a copy of the model, takes the weights the main thread sends
 * with each step, and returns the gradients of its share of the batch. The main thread sums them with its own
 * and applies the optimizer, so replicas never drift apart.
 */
const port = parentPort;
if (port === null) throw new Error('replica-worker runs in a worker thread');
let model: tfl.LayersModel | undefined;
let variables: tf.Variable[] = [];
let sampleShape: number[] = [];
let classes = 0;

const reply = (message: ReplicaReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

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
  const shapes = model.weights.map((w) => w.shape as number[]);
  const weights = message.weights.map((w, k) => tf.tensor(w, shapes[k]));
  model.setWeights(weights);
  for (const w of weights) w.dispose();
  const { loss, gradients } = batchGradients(model, variables, message, sampleShape, classes, message.scale);
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
