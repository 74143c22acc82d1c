import { unzipSync } from 'fflate';
import { badInput } from '../../errors.js';
import { childDataset, childGroup, readFloatDataset, withHdf5File, type Hdf5Group } from './hdf5-file.js';
import { checkKerasModelConfig, kerasV3ToV2 } from './keras-config.js';
import { buildFromKerasConfig, setLayerWeights } from './keras-build.js';
import type { ImportedModel, LayerWeights } from './imported-model.js';

function unzip(bytes: Uint8Array, fileName: string): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes);
  } catch (error) {
    throw badInput(`not a readable zip archive (${(error as Error).message})`, fileName);
  }
}

function parseJson(bytes: Uint8Array | undefined, entry: string, fileName: string): unknown {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw badInput(`${entry} in the archive is not valid JSON`, fileName);
  }
}

/** A variable group's datasets "0", "1", ... in numeric order (Keras 3 names weights by position). */
function numberedVariables(vars: Hdf5Group, path: string, fileName: string): LayerWeights['weights'] {
  return vars
    .keys()
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => {
      const dataset = childDataset(vars, key);
      if (dataset === undefined) throw badInput(`${path}/${key} is not a weight array`, fileName);
      return { name: `${path}/${key}`, ...readFloatDataset(dataset, fileName) };
    });
}

/**
 * The weights of a Keras 3 model.weights.h5: `layers/NAME/vars/0..n` per layer, a recurrent layer's under
 * `layers/NAME/cell/vars`, a nested model's layers under `layers/NAME/layers/...` (flattened in file order).
 */
function readKerasV3Weights(root: Hdf5Group, fileName: string): LayerWeights[] {
  const layersGroup = childGroup(root, 'layers');
  if (layersGroup === undefined) throw badInput('model.weights.h5 has no layers group', fileName);
  const collect = (group: Hdf5Group, path: string): LayerWeights['weights'] => {
    const vars = childGroup(group, 'vars');
    const own = vars !== undefined ? numberedVariables(vars, `${path}/vars`, fileName) : [];
    const cell = childGroup(group, 'cell');
    const nested = childGroup(group, 'layers');
    return [
      ...own,
      ...(cell !== undefined ? collect(cell, `${path}/cell`) : []),
      ...(nested !== undefined
        ? nested.keys().flatMap((name) => {
            const child = childGroup(nested, name);
            return child !== undefined ? collect(child, `${path}/layers/${name}`) : [];
          })
        : []),
    ];
  };
  return layersGroup.keys().map((layer) => {
    const group = childGroup(layersGroup, layer);
    return { layer, weights: group !== undefined ? collect(group, `layers/${layer}`) : [] };
  });
}

/** A Keras 3 `.keras` archive: config.json (the model), metadata.json (versions), model.weights.h5. */
export async function importKerasArchive(bytes: Uint8Array, fileName: string): Promise<ImportedModel> {
  const entries = unzip(bytes, fileName);
  const config = parseJson(entries['config.json'], 'config.json', fileName);
  if (config === undefined) throw badInput('the .keras archive has no config.json', fileName);
  const metadata = parseJson(entries['metadata.json'], 'metadata.json', fileName) as
    { keras_version?: unknown } | undefined;
  const weightBytes = entries['model.weights.h5'];
  if (weightBytes === undefined) throw badInput('the .keras archive has no model.weights.h5', fileName);
  const kerasVersion = typeof metadata?.keras_version === 'string' ? metadata.keras_version : null;
  const modelConfig = checkKerasModelConfig(kerasV3ToV2(config), fileName);
  const weights = await withHdf5File(weightBytes, `${fileName}:model.weights.h5`, (root) =>
    readKerasV3Weights(root, fileName),
  );
  const model = await buildFromKerasConfig(modelConfig, kerasVersion, fileName);
  try {
    setLayerWeights(model, weights, fileName);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, framework: 'keras', frameworkVersion: kerasVersion, format: 'keras3-archive' };
}
