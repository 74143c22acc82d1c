import type { Workspace } from '../store/workspace.js';
import { tf } from '../engine/tf.js';
import { engineInfo } from '../engine/backend.js';
import { decodeModelArtifact, encodeModelArtifact } from '../models/artifact.js';
import { getModel, insertModel } from '../store/models.js';
import { getDataset } from '../store/datasets.js';
import { appendAuditEvent } from '../audit/log.js';
import { badInput } from '../errors.js';
import { newId, utcNow } from '../util/ids.js';
import { runJob } from '../jobs/run-job.js';
import type { JobContext } from '../jobs/job-context.js';
import { loadDataset } from '../data/dataset-kinds.js';
import { labelsOf, sampleIndices } from '../data/sample-dataset.js';
import { fitEpochs } from '../train/fit-epochs.js';
import { softenedClassWeights } from '../train/class-weights.js';
import { parseRecipe, type RecipeStep } from './recipe.js';
import { applyMasks, disposeMasks, magnitudeMasks, PruneMaskCallback } from './prune-magnitude.js';
import { countParams } from './model-size.js';

export interface CompressOptions {
  modelId: string;
  recipe: string;
  fineTuneEpochs?: number;
  learningRate?: number;
  seed?: number;
  name?: string;
}

export interface CompressResult {
  modelId: string;
  parentId: string;
  recipe: string;
  sizeBytes: number;
  parentSizeBytes: number;
  params: number;
  nonzeroParams: number;
  sparsity: number;
  weightEncoding: 'float32' | 'int8';
  backend: string;
}

/**
 * Derives a smaller model from a stored one by a recipe (e.g. prune:0.8,quant:int8). Pruning fine-tunes on the
 * parent's own training records, with the parent's validation records still held out; quantization changes how
 * the weights are stored, so the reported size is the size of the file on disk.
 */
export async function compressModel(
  workspace: Workspace,
  options: CompressOptions,
  context: JobContext,
): Promise<CompressResult> {
  const steps = parseRecipe(options.recipe);
  const fineTuneEpochs = options.fineTuneEpochs ?? 2;
  if (!Number.isInteger(fineTuneEpochs) || fineTuneEpochs < 0 || fineTuneEpochs > 100) {
    throw badInput('--fine-tune-epochs must be an integer from 0 to 100');
  }
  const parent = getModel(workspace.db, options.modelId);
  const learningRate = options.learningRate ?? 3e-4;
  const seed = options.seed ?? parent.seed ?? 0;
  const params = { modelId: parent.id, recipe: options.recipe, steps, fineTuneEpochs, learningRate, seed };
  return runJob(workspace, 'compress', params, context, async (jobId, job) => {
    const backend = engineInfo().backend;
    const parentBytes = workspace.artifacts.get(parent.artifactSha256);
    const { model, header } = await decodeModelArtifact(parentBytes, `model ${parent.id}`);
    let weights: 'float32' | 'int8' = 'float32';
    try {
      for (const [index, step] of steps.entries()) {
        job.progress(index / steps.length, `${step.kind} (${index + 1}/${steps.length})`);
        if (step.kind === 'prune')
          await pruneWithFineTune(workspace, parent, model, step, fineTuneEpochs, learningRate, seed, job);
        else weights = step.precision;
      }
      const bytes = await encodeModelArtifact(model, {
        weights,
        meta: { ...header.meta, recipe: options.recipe, parentId: parent.id },
      });
      const stored = workspace.artifacts.put(bytes);
      // Count what is on disk: int8 rounding can turn tiny weights into exact zeros.
      const reloaded = await decodeModelArtifact(bytes, 'compressed model');
      const counts = countParams(reloaded.model);
      reloaded.model.dispose();
      const modelId = newId('m');
      const sparsity = counts.params === 0 ? 0 : 1 - counts.nonzero / counts.params;
      const summary = { parentSizeBytes: parent.sizeBytes, sparsity, weightEncoding: weights, steps };
      workspace.db.transaction(() => {
        insertModel(workspace.db, {
          id: modelId,
          name: options.name ?? `${parent.name} [${options.recipe}]`,
          arch: parent.arch,
          datasetId: parent.datasetId,
          parentId: parent.id,
          recipe: options.recipe,
          artifactSha256: stored.sha256,
          sizeBytes: stored.size,
          params: counts.params,
          nonzeroParams: counts.nonzero,
          backend,
          seed,
          config: { ...parent.config, compression: params },
          summary,
          createdAt: utcNow(),
        });
        appendAuditEvent(workspace.db, {
          action: 'model.compress',
          entityType: 'model',
          entityId: modelId,
          payload: {
            params: { ...params, jobId },
            backend,
            inputs: [{ role: 'parent-model', sha256: parent.artifactSha256 }],
            outputs: [{ role: 'model', sha256: stored.sha256 }],
            result: {
              sizeBytes: stored.size,
              params: counts.params,
              nonzeroParams: counts.nonzero,
              sparsity,
            },
          },
        });
      })();
      return {
        modelId,
        parentId: parent.id,
        recipe: options.recipe,
        sizeBytes: stored.size,
        parentSizeBytes: parent.sizeBytes,
        params: counts.params,
        nonzeroParams: counts.nonzero,
        sparsity,
        weightEncoding: weights,
        backend,
      };
    } finally {
      model.dispose();
    }
  });
}

async function pruneWithFineTune(
  workspace: Workspace,
  parent: ReturnType<typeof getModel>,
  model: Awaited<ReturnType<typeof decodeModelArtifact>>['model'],
  step: Extract<RecipeStep, { kind: 'prune' }>,
  epochs: number,
  learningRate: number,
  seed: number,
  job: JobContext,
): Promise<void> {
  const masks = magnitudeMasks(model, step.sparsity);
  try {
    applyMasks(model, masks);
    if (epochs === 0) return;
    if (parent.datasetId === null)
      throw badInput(`model ${parent.id} has no training dataset to fine-tune on`);
    getDataset(workspace.db, parent.datasetId);
    const dataset = loadDataset(workspace, parent.datasetId);
    const heldOut = new Set((parent.summary['validationRecords'] as string[] | undefined) ?? []);
    const indices = sampleIndices(dataset, 'train').filter(
      (i) => !heldOut.has(dataset.groups[dataset.group[i] as number] ?? ''),
    );
    const inputs = dataset.inputs(indices);
    const labels = labelsOf(dataset, indices);
    const optimizer = tf.train.adam(learningRate);
    try {
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      await fitEpochs({
        model,
        inputs,
        labels,
        sampleShape: dataset.sampleShape,
        classes: dataset.classes.length,
        epochs,
        batchSize: 64,
        seed,
        signal: job.signal,
        classWeight: softenedClassWeights(labels, dataset.classes.length),
        callbacks: [new PruneMaskCallback(model, masks)],
        onBatch(epoch, fraction, loss) {
          job.progress(
            0.1 + (0.8 * (epoch - 1 + fraction)) / epochs,
            `fine-tuning after pruning: epoch ${epoch}/${epochs} loss ${loss.toFixed(4)}`,
          );
        },
      });
    } finally {
      optimizer.dispose();
    }
    // The callback re-applies masks after each batch; once more here so the stored weights are exactly sparse.
    applyMasks(model, masks);
  } finally {
    disposeMasks(masks);
  }
}
