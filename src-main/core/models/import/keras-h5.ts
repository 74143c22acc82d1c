import { badInput } from '../../errors.js';
import {
  childDataset,
  childGroup,
  readFloatDataset,
  stringAttribute,
  stringListAttribute,
  withHdf5File,
} from './hdf5-file.js';
import { checkKerasModelConfig } from './keras-config.js';
import { buildFromKerasConfig, setLayerWeights } from './keras-build.js';
import type { ImportedModel, LayerWeights } from './imported-model.js';

const WEIGHTS_ONLY_HELP =
  'the file holds weights only: the architecture (the model_config attribute) is missing. Save the whole ' +
  'model in Keras with model.save("model.h5") (Keras 2) or model.save("model.keras") (Keras 3) and import that file';

/** Reads the weights group of a Keras 2 HDF5 file: layer_names, then each layer's weight_names in order. */
function readKerasH5Weights(weightsRoot: ReturnType<typeof childGroup>, fileName: string): LayerWeights[] {
  if (weightsRoot === undefined) throw badInput('the model_weights group is missing', fileName);
  const layerNames = stringListAttribute(weightsRoot, 'layer_names');
  if (layerNames === undefined) throw badInput('model_weights has no layer_names attribute', fileName);
  return layerNames.map((layer) => {
    const group = childGroup(weightsRoot, layer);
    if (group === undefined) throw badInput(`model_weights has no group for layer ${layer}`, fileName);
    const names = stringListAttribute(group, 'weight_names') ?? [];
    return {
      layer,
      weights: names.map((name) => {
        const dataset = childDataset(group, name);
        if (dataset === undefined)
          throw badInput(`weight ${name} of layer ${layer} is listed but not stored`, fileName);
        return { name, ...readFloatDataset(dataset, fileName) };
      }),
    };
  });
}

/**
 * A Keras 2 whole-model HDF5 file (`model.save("x.h5")`): the model_config attribute describes the model in
 * the JSON TF.js layers reads, and model_weights holds each layer's weights under its name.
 */
export async function importKerasH5(bytes: Uint8Array, fileName: string): Promise<ImportedModel> {
  const read = await withHdf5File(bytes, fileName, (root) => {
    const configText = stringAttribute(root, 'model_config');
    if (configText === undefined) {
      // model.save_weights() writes layer_names at the root: the weights of a model whose code is elsewhere.
      throw badInput(WEIGHTS_ONLY_HELP, fileName);
    }
    let config: unknown;
    try {
      config = JSON.parse(configText);
    } catch {
      throw badInput('the model_config attribute is not valid JSON', fileName);
    }
    const weightsRoot = childGroup(root, 'model_weights');
    return {
      config: checkKerasModelConfig(config, fileName),
      kerasVersion:
        stringAttribute(root, 'keras_version') ??
        (weightsRoot !== undefined ? stringAttribute(weightsRoot, 'keras_version') : undefined) ??
        null,
      weights: readKerasH5Weights(weightsRoot, fileName),
    };
  });
  const model = await buildFromKerasConfig(read.config, read.kerasVersion, fileName);
  try {
    setLayerWeights(model, read.weights, fileName);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, framework: 'keras', frameworkVersion: read.kerasVersion, format: 'keras2-hdf5' };
}
