import { importSyntheticEcgDataset } from '../../src-main/core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { loadDataset } from '../../src-main/core/data/dataset-kinds.js';
import type { Workspace } from '../../src-main/core/store/workspace.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';
import { tf, tfl } from '../../src-main/core/engine/tf.js';
import { encodeModelArtifact } from '../../src-main/core/models/artifact.js';
import { insertModel } from '../../src-main/core/store/models.js';
import { newId, utcNow } from '../../src-main/core/util/ids.js';

/**
 * The case the findings exist for, built rather than trained: synthetic patients (4 records, one of them on the
 * test side) and a model that answers "N" to every beat (zero weights, a bias towards class 0), stored as a
 * baseline of that dataset.
 */
export async function storeOneClassModel(
  workspace: Workspace,
): Promise<{ datasetId: string; modelId: string }> {
  const datasetId = importSyntheticEcgDataset(
    workspace,
    {
      name: 'syn',
      records: 4,
      seconds: 40,
      seed: 5,
      ectopy: { S: 0.15, V: 0.15 },
      split: parseSplitSpec('records:1:0.25'),
    },
    quietContext(),
  ).datasetId;
  const modelId = await storeConstantModel(workspace, datasetId, 0, 'always N');
  return { datasetId, modelId };
}

/** A model of a stored dataset that answers one class to everything (zero weights, a bias towards it). */
export async function storeConstantModel(
  workspace: Workspace,
  datasetId: string,
  answer: number,
  name: string,
): Promise<string> {
  const dataset = loadDataset(workspace, datasetId);
  const k = dataset.classes.length;
  const model = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: dataset.sampleShape }),
      tfl.layers.dense({ units: k, activation: 'softmax', kernelInitializer: 'zeros' }),
    ],
  });
  const dense = model.layers[1];
  const kernel = dense?.getWeights()[0];
  const bias = tf.tensor1d(Array.from({ length: k }, (_, c) => (c === answer ? 5 : 0)));
  if (dense === undefined || kernel === undefined) throw new Error('dense layer missing');
  dense.setWeights([kernel, bias]);
  bias.dispose();
  const stored = workspace.artifacts.put(await encodeModelArtifact(model));
  const modelId = newId('m');
  insertModel(workspace.db, {
    id: modelId,
    name,
    arch: 'constructed',
    datasetId,
    parentId: null,
    recipe: null,
    artifactSha256: stored.sha256,
    sizeBytes: stored.size,
    params: model.countParams(),
    nonzeroParams: k,
    backend: 'cpu',
    seed: null,
    config: {
      meta: {
        inputKind: dataset.inputKind,
        sampleShape: dataset.sampleShape,
        classes: dataset.classes,
        ...dataset.modelMeta,
      },
    },
    summary: {},
    createdAt: utcNow(),
  });
  model.dispose();
  return modelId;
}
