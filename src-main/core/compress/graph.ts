import { tf, tfl } from '../engine/tf.js';
import { AttestError } from '../errors.js';

/**
 * The layer graph of a tfjs-layers model, for what model.predict cannot do: look at (or change) every
 * intermediate output (activation calibration, simulated int8, feature distillation), and rebuild a model
 * from an edited topology (structured pruning, low-rank factorization, thinner students).
 */

/** A layer of the model with the ids of the tensors it reads and writes (single use per layer). */
export interface GraphNode {
  layer: tfl.layers.Layer;
  inputs: number[];
  outputs: number[];
  /** Per-sample shapes (batch dimension dropped). */
  inputShapes: number[][];
  outputShapes: number[][];
}

/** The model's layers in execution order; InputLayers are left out (their output is a model input). */
export function graphNodes(model: tfl.LayersModel): GraphNode[] {
  const known = new Set(model.inputs.map((t) => t.id));
  const nodes: GraphNode[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    // A layer shared with another model has several inbound nodes: take the one that reads this graph.
    const node = layer.inboundNodes.find((n) => n.inputTensors.every((t) => known.has(t.id)));
    if (node === undefined)
      throw new AttestError('INTERNAL', `layer ${layer.name} has no inputs inside the model graph`);
    for (const t of node.outputTensors) known.add(t.id);
    nodes.push({
      layer,
      inputs: node.inputTensors.map((t) => t.id),
      outputs: node.outputTensors.map((t) => t.id),
      inputShapes: node.inputTensors.map((t) => sampleShapeOf(t)),
      outputShapes: node.outputTensors.map((t) => sampleShapeOf(t)),
    });
  }
  return nodes;
}

export interface RunGraphOptions {
  training?: boolean;
  /** Replaces (or just observes) a layer's output; return the tensor to pass on. */
  onOutput?(layer: tfl.layers.Layer, output: tf.Tensor): tf.Tensor;
  /** Replaces (or observes) the model input before the first layer. */
  onInput?(input: tf.Tensor): tf.Tensor;
}

/**
 * Runs a single-input, single-output model layer by layer on a concrete tensor. Gradients flow through it, so
 * it can be used inside tf.variableGrads. Call inside tf.tidy: intermediate tensors are not disposed here.
 */
export function runGraph(model: tfl.LayersModel, x: tf.Tensor, options: RunGraphOptions = {}): tf.Tensor {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new AttestError('INTERNAL', 'runGraph needs a model with one input and one output');
  const values = new Map<number, tf.Tensor>();
  values.set((model.inputs[0] as tfl.SymbolicTensor).id, options.onInput ? options.onInput(x) : x);
  for (const node of graphNodes(model)) {
    const inputs = node.inputs.map((id) => values.get(id) as tf.Tensor);
    const kwargs = options.training === undefined ? {} : { training: options.training };
    const raw = node.layer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, kwargs);
    const outputs = (Array.isArray(raw) ? raw : [raw]) as tf.Tensor[];
    outputs.forEach((output, k) => {
      const passed = options.onOutput ? options.onOutput(node.layer, output) : output;
      values.set(node.outputs[k] as number, passed);
    });
  }
  const out = values.get((model.outputs[0] as tfl.SymbolicTensor).id);
  if (out === undefined) throw new AttestError('INTERNAL', 'the model output was never computed');
  return out;
}

/** One layer of a functional model config, in the Keras JSON form that tfjs-layers reads and writes. */
export interface LayerConfig {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

export interface FunctionalConfig {
  name: string;
  layers: LayerConfig[];
  input_layers: unknown[];
  output_layers: unknown[];
}

/** The model's topology as a functional ("Model") config; a Sequential model is turned into one. */
export function functionalConfig(model: tfl.LayersModel): FunctionalConfig {
  const json = model.toJSON(null, false) as unknown as { class_name: string; config: unknown };
  if (json.class_name !== 'Sequential') return structuredClone(json.config) as FunctionalConfig;
  const layers = structuredClone((json.config as { layers: LayerConfig[] }).layers);
  const first = layers[0];
  const batchShape = first?.config['batch_input_shape'];
  if (first === undefined || !Array.isArray(batchShape))
    throw new AttestError('INTERNAL', 'a Sequential model without an input shape cannot be rebuilt');
  const input: LayerConfig = {
    class_name: 'InputLayer',
    name: `${model.name}_input`,
    config: { batch_input_shape: batchShape, dtype: 'float32', sparse: false, name: `${model.name}_input` },
    inbound_nodes: [],
  };
  let previous = input.name;
  const out: LayerConfig[] = [input];
  for (const layer of layers) {
    const name = String(layer.config['name']);
    const config = { ...layer.config };
    delete config['batch_input_shape'];
    out.push({ class_name: layer.class_name, name, config, inbound_nodes: [[[previous, 0, 0, {}]]] });
    previous = name;
  }
  return {
    name: model.name,
    layers: out,
    input_layers: [[input.name, 0, 0]],
    output_layers: [[previous, 0, 0]],
  };
}

/** Names of the layers a layer reads from (first inbound node). */
export function inboundNames(layer: LayerConfig): string[] {
  const node = layer.inbound_nodes[0] as unknown[][] | undefined;
  return (node ?? []).map((entry) => String(entry[0]));
}

/** Builds an (uninitialised-weights) model from a functional config. The caller sets the weights. */
export async function modelFromConfig(config: FunctionalConfig): Promise<tfl.LayersModel> {
  return tfl.models.modelFromJSON({ modelTopology: { class_name: 'Model', config } } as never);
}

/** Copies weights by layer name and weight order into `target`, for every layer both models share unchanged. */
export function copyWeightsByLayer(
  source: tfl.LayersModel,
  target: tfl.LayersModel,
  skip: ReadonlySet<string> = new Set(),
): void {
  for (const layer of target.layers) {
    if (skip.has(layer.name) || layer.weights.length === 0) continue;
    const from = source.layers.find((l) => l.name === layer.name);
    if (from === undefined) continue;
    layer.setWeights(from.getWeights());
  }
}

/** A symbolic tensor's shape without its batch dimension. */
export function sampleShapeOf(tensor: tfl.SymbolicTensor): number[] {
  return tensor.shape.slice(1).map((d) => d ?? 1);
}
