import { tf, tfl } from '../../engine/tf.js';
import { badInput } from '../../errors.js';
import type { LayerWeights } from './imported-model.js';

/** Builds the TF.js model a Keras 2 config describes (weights still initial); failures name the file. */
export async function buildFromKerasConfig(
  config: Record<string, unknown>,
  kerasVersion: string | null,
  fileName: string,
): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: { ...config, keras_version: kerasVersion ?? 'unknown', backend: 'tensorflow' },
      }),
    );
  } catch (error) {
    throw badInput(`TF.js cannot build the model: ${(error as Error).message}`, fileName);
  }
}

/** The last part of a weight name without the TensorFlow output suffix: "dense/kernel:0" -> "kernel". */
function baseName(name: string): string {
  return (name.split('/').pop() ?? name).replace(/:\d+$/, '');
}

/**
 * Sets every layer's weights from the file, matched by layer name, then by weight name within the layer (the
 * file's order when names do not identify them, as in Keras 3 archives), every shape checked. Layers of the
 * model that hold weights but are absent from the file are refused: a model half initialized at random must
 * never be stored.
 */
export function setLayerWeights(model: tfl.LayersModel, layers: LayerWeights[], fileName: string): void {
  const byLayer = new Map(layers.map((entry) => [entry.layer, entry.weights]));
  const assignments: { variable: tfl.LayerVariable; values: Float32Array }[] = [];
  for (const layer of model.layers) {
    const variables = layer.weights;
    if (variables.length === 0) continue;
    const stored = byLayer.get(layer.name);
    if (stored === undefined)
      throw badInput(`the weights of layer ${layer.name} are missing from the file`, fileName);
    if (stored.length !== variables.length)
      throw badInput(
        `layer ${layer.name} has ${variables.length} weights but the file gives ${stored.length}`,
        fileName,
      );
    const storedNames = stored.map((w) => baseName(w.name));
    const byName = variables.every(
      (v) => storedNames.filter((n) => n === baseName(v.originalName)).length === 1,
    );
    variables.forEach((variable, index) => {
      const source = byName ? stored[storedNames.indexOf(baseName(variable.originalName))] : stored[index];
      if (source === undefined) throw new Error('unreachable: weight counts were checked');
      if (source.shape.join('x') !== variable.shape.join('x'))
        throw badInput(
          `weight ${source.name} of layer ${layer.name} has shape [${source.shape.join(', ')}] but the model needs [${variable.shape.join(', ')}]`,
          fileName,
        );
      assignments.push({ variable, values: source.values });
    });
  }
  tf.tidy(() => {
    for (const { variable, values } of assignments)
      variable.write(tf.tensor(values, variable.shape as number[], 'float32'));
  });
}
