import { tf } from '../../engine/tf.js';
import { badInput } from '../../errors.js';

/*
 * Keras model configs as TF.js layers reads them. TF.js layers deserializes Keras 2 JSON itself (the same
 * `class_name` / `config` / `inbound_nodes` layout, snake_case keys), so a Keras 2 config passes unchanged;
 * Keras 3 configs are brought to that layout first. Layer classes are checked by name before TF.js sees them,
 * so that a layer TF.js does not have is refused with its name rather than a stack trace.
 */

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Container classes whose config holds more layers (a model used as a layer). */
const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);

/** Every layer class in the config, nested models and wrapped layers (Bidirectional, TimeDistributed) included. */
export function layerClassNames(config: unknown): string[] {
  const names: string[] = [];
  const visit = (layer: unknown): void => {
    if (!isRecord(layer) || typeof layer['class_name'] !== 'string') return;
    names.push(layer['class_name']);
    const inner = layer['config'];
    if (!isRecord(inner)) return;
    if (Array.isArray(inner['layers'])) inner['layers'].forEach(visit);
    if (isRecord(inner['layer'])) visit(inner['layer']);
  };
  visit(config);
  return names;
}

/** Refuses, by name, every layer class that TF.js layers does not implement. */
export function checkLayersKnown(config: unknown, fileName: string): void {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  const unknown = [...new Set(layerClassNames(config).filter((name) => !(name in known)))];
  if (unknown.length > 0)
    throw badInput(
      `the model uses ${unknown.length === 1 ? 'a layer' : 'layers'} that Attest cannot run: ${unknown.join(', ')} ` +
        '(TF.js layers has no such class; convolutions, pooling, dense, batch norm, dropout, add/concatenate, ' +
        'activations, SimpleRNN/LSTM/GRU, reshape and flatten are supported)',
      fileName,
    );
}

/** The Keras 2 model config, checked to be a model (not a bare layer) with known layers. */
export function checkKerasModelConfig(config: unknown, fileName: string): Json {
  if (!isRecord(config) || typeof config['class_name'] !== 'string' || !isRecord(config['config']))
    throw badInput('the model config is not a Keras model description (class_name and config)', fileName);
  if (!CONTAINERS.has(config['class_name']))
    throw badInput(
      `the model config describes a ${config['class_name']}, not a Sequential or Functional model`,
      fileName,
    );
  checkLayersKnown(config, fileName);
  return config;
}

/** The [layer, node, tensor] references of a Keras 3 call's arguments, in order (lists nested any way). */
function kerasHistories(args: unknown): [string, number, number][] {
  const found: [string, number, number][] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isRecord(value)) return;
    if (value['class_name'] === '__keras_tensor__' && isRecord(value['config'])) {
      const history = value['config']['keras_history'];
      if (Array.isArray(history) && typeof history[0] === 'string')
        found.push([history[0], Number(history[1] ?? 0), Number(history[2] ?? 0)]);
    }
  };
  visit(args);
  return found;
}

/** Keras 3 writes a single model input or output as [name, 0, 0]; Keras 2 always as a list of those. */
function listOfReferences(value: unknown): unknown {
  return Array.isArray(value) && typeof value[0] === 'string' ? [value] : value;
}

/**
 * A Keras 3 config (config.json of a .keras archive) in the Keras 2 layout: dtype policies become dtype names,
 * `batch_shape` becomes `batch_input_shape`, call arguments become inbound node lists, and the fields Keras 3
 * adds for its own loader (module, registered_name, build_config, compile_config) are dropped.
 */
export function kerasV3ToV2(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(kerasV3ToV2);
  if (!isRecord(value)) return value;
  if (value['class_name'] === 'DTypePolicy' || value['class_name'] === 'FloatDTypePolicy') {
    const name = isRecord(value['config']) ? value['config']['name'] : undefined;
    return typeof name === 'string' ? name : 'float32';
  }
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (['module', 'registered_name', 'build_config', 'compile_config'].includes(key)) continue;
    if (key === 'batch_shape') out['batch_input_shape'] = item;
    else if (key === 'inbound_nodes' && Array.isArray(item))
      out[key] = item.map((node) =>
        isRecord(node) ? kerasHistories(node['args']).map((history) => [...history, {}]) : node,
      );
    else if (key === 'input_layers' || key === 'output_layers') out[key] = listOfReferences(item);
    else out[key] = kerasV3ToV2(item);
  }
  return out;
}
