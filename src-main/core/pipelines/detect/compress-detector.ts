import type { Workspace } from '../../store/workspace.js';
import type { tfl } from '../../engine/tf.js';
import { engineInfo } from '../../engine/backend.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../models/artifact.js';
import { parseRecipe, type RecipeStep } from '../../compress/recipe.js';
import { applyMasks, disposeMasks, magnitudeMasks } from '../../compress/prune-magnitude.js';
import { countParams } from '../../compress/model-size.js';
import { insertValidation } from '../../store/validations.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { runJob } from '../../jobs/run-job.js';
import type { JobContext } from '../../jobs/job-context.js';
import {
  detectionFrames,
  loadDetectionDataset,
  type DetectionDataset,
} from '../../detect/detection-dataset.js';
import { detectDatasetFrames, detectorInputSize } from '../../detect/predict-detector.js';
import { evaluateDetections, type DetectionEvaluation } from '../../detect/average-precision.js';
import { fitDetector } from '../../detect/fit-detector.js';
import { buildCenternetMobile } from '../../models/centernet-model.js';
import { checkSameClasses, loadStoredDetector, type StoredDetector } from '../../detect/stored-detector.js';
import { boxDisagreement, type BoxDisagreement } from '../../detect/box-disagreement.js';
import { detectionMetricRows, OBJECT_DETECTION_SUITE } from './evaluate-detector.js';
import { persistModel } from '../../persist/persist-model.js';

export interface CompressDetectorOptions {
  modelId: string;
  recipe: string;
  /** Training steps of a student (default 300), and fine-tuning steps after pruning with the zeros held
   * (default 100), on the parent's training frames. */
  fineTuneSteps?: number;
  /** Where the parent and the child are scored (default: the parent's dataset); its test split. */
  datasetId?: string;
  seed?: number;
  /** Operating score for the box-by-box comparison. */
  minScore?: number;
}

export interface CompressDetectorResult {
  modelId: string;
  parentId: string;
  recipe: string;
  validationId: string;
  backend: string;
  sizeBytes: { parent: number; child: number };
  params: { parent: number; nonzero: number };
  parent: DetectionEvaluation;
  child: DetectionEvaluation;
  /** Child AP@0.5 minus parent AP@0.5 (mean over classes with ground truth). */
  map50Change: number | null;
  disagreement: BoxDisagreement;
  fineTuneSteps: number;
}

const SUPPORTED = new Set(['prune', 'quant', 'student', 'distill']);

function detectorRecipe(text: string): RecipeStep[] {
  const steps = parseRecipe(text);
  const other = steps.filter((s) => !SUPPORTED.has(s.kind));
  if (other.length > 0)
    throw badInput(
      `recipe "${text}": detectors take student:W, prune:S, distill and quant:int8|float16 (${other.map((s) => s.kind).join(', ')} not implemented for detectors)`,
    );
  return steps;
}

/** What the compression steps fit on: the parent's training frames, at the parent's input size. */
interface Tuning {
  training: DetectionDataset;
  fineTuneSteps: number;
  seed: number;
  signal: AbortSignal;
}

/**
 * The child to compress: a thinner network of the same design trained on the ground truth and on the parent's
 * heatmaps (student:W), or a fresh copy of the parent. Returns it with the training steps it took.
 */
async function startingChild(
  workspace: Workspace,
  parent: StoredDetector,
  student: Extract<RecipeStep, { kind: 'student' }> | undefined,
  tuning: Tuning,
  job: JobContext,
): Promise<{ child: tfl.LayersModel; tuned: number }> {
  if (student === undefined)
    return {
      child: (await decodeModelArtifact(workspace.artifacts.get(parent.row.artifactSha256))).model,
      tuned: 0,
    };
  const { height, width } = detectorInputSize(parent.model);
  const child = buildCenternetMobile({
    height,
    width,
    classes: parent.classes.length,
    seed: tuning.seed,
    alpha: student.width,
  });
  try {
    const run = await fitDetector({
      model: child,
      dataset: tuning.training,
      frames: detectionFrames(tuning.training, 'train'),
      height,
      width,
      epochs: 1,
      stepsPerEpoch: tuning.fineTuneSteps,
      batchSize: 16,
      learningRate: 2e-3,
      seed: tuning.seed,
      signal: tuning.signal,
      teacher: parent.model,
      onStep: (_e, fraction, loss) =>
        job.progress(0.6 * fraction, `training the student, loss ${loss.toFixed(4)}`),
    });
    return { child, tuned: run.steps };
  } catch (error) {
    child.dispose();
    throw error;
  }
}

/** Magnitude pruning, then a short fine-tune with the pruned weights held at zero; returns the steps taken. */
async function pruneAndFineTune(
  child: tfl.LayersModel,
  prune: Extract<RecipeStep, { kind: 'prune' }>,
  tuning: Tuning,
  teacher: tfl.LayersModel | undefined,
  job: JobContext,
): Promise<number> {
  const masks = magnitudeMasks(child, prune.sparsity, prune.scope);
  try {
    applyMasks(child, masks);
    if (tuning.fineTuneSteps === 0) return 0;
    const { height, width } = detectorInputSize(child);
    const run = await fitDetector({
      model: child,
      dataset: tuning.training,
      frames: detectionFrames(tuning.training, 'train'),
      height,
      width,
      epochs: 1,
      stepsPerEpoch: tuning.fineTuneSteps,
      batchSize: 16,
      learningRate: 5e-4,
      seed: tuning.seed,
      signal: tuning.signal,
      afterStep: () => applyMasks(child, masks),
      ...(teacher !== undefined ? { teacher } : {}),
      onStep: (_e, fraction, loss) => job.progress(0.8 * fraction, `fine-tuning, loss ${loss.toFixed(4)}`),
    });
    return run.steps;
  } finally {
    disposeMasks(masks);
  }
}

/** Parent and child scored on the same test frames, with the boxes the parent found and the child lost. */
function scoreParentAndChild(
  parent: tfl.LayersModel,
  child: tfl.LayersModel,
  dataset: DetectionDataset,
  test: number[],
  minScore: number,
) {
  const parentFrames = detectDatasetFrames(parent, dataset, test);
  const childFrames = detectDatasetFrames(child, dataset, test);
  const parentEvaluation = evaluateDetections(parentFrames, dataset.classes);
  const childEvaluation = evaluateDetections(childFrames, dataset.classes);
  const disagreement = boxDisagreement(
    parentFrames,
    childFrames,
    test.map((f) => dataset.frameNames[f] ?? String(f)),
    minScore,
  );
  const map50Change =
    childEvaluation.map50 !== null && parentEvaluation.map50 !== null
      ? childEvaluation.map50 - parentEvaluation.map50
      : null;
  return { parentEvaluation, childEvaluation, disagreement, map50Change };
}

/**
 * Compresses a detector with AP in place of accuracy: magnitude pruning (then a short fine-tune on the parent's
 * training frames with the pruned weights held at zero) and int8 or float16 weight storage. The child is scored
 * as stored (dequantized from its own artifact) beside the parent on the same test frames, with the boxes the
 * parent found and the child lost; child model, its validation and the audit event go in one transaction.
 */
export async function compressDetector(
  workspace: Workspace,
  options: CompressDetectorOptions,
  context: JobContext,
): Promise<CompressDetectorResult> {
  const steps = detectorRecipe(options.recipe);
  const student = steps.find((s) => s.kind === 'student');
  const fineTuneSteps = options.fineTuneSteps ?? (student !== undefined ? 300 : 100);
  if (!Number.isInteger(fineTuneSteps) || fineTuneSteps < 0 || fineTuneSteps > 100000)
    throw badInput(`--fine-tune-steps must be an integer from 0 to 100000, got ${fineTuneSteps}`);
  const minScore = options.minScore ?? 0.3;
  const seed = options.seed ?? 1;
  const parent = await loadStoredDetector(workspace, options.modelId);
  let child: tfl.LayersModel | undefined;
  try {
    const trainingSet = parent.row.datasetId;
    const datasetId = options.datasetId ?? trainingSet;
    if (datasetId === null || trainingSet === null)
      throw badInput(`model ${options.modelId} names no dataset; give --dataset`);
    const dataset = loadDetectionDataset(workspace, datasetId);
    checkSameClasses(parent, dataset);
    const test = detectionFrames(dataset, 'test');
    const params = { ...options, fineTuneSteps, minScore, seed, datasetId };
    return await runJob(workspace, 'detect-compress', params, context, async (jobId, job) => {
      const backend = engineInfo().backend;
      const prune = steps.find((s) => s.kind === 'prune');
      const quant = steps.find((s) => s.kind === 'quant');
      const distill = steps.some((s) => s.kind === 'distill');
      const training = trainingSet === dataset.id ? dataset : loadDetectionDataset(workspace, trainingSet);
      const tuning: Tuning = { training, fineTuneSteps, seed, signal: job.signal };
      const started = await startingChild(workspace, parent, student, tuning, job);
      child = started.child;
      let tuned = started.tuned;
      if (prune !== undefined)
        tuned += await pruneAndFineTune(child, prune, tuning, distill ? parent.model : undefined, job);
      const counts = countParams(child);
      const bytes = await encodeModelArtifact(child, {
        ...(quant !== undefined ? { weights: quant.precision } : {}),
        meta: {
          ...(parent.row.config['meta'] as Record<string, unknown>),
          parentId: parent.row.id,
          recipe: options.recipe,
        },
      });
      child.dispose();
      child = undefined;
      // Scored as stored: the int8 kernels dequantized from the artifact itself.
      child = (await decodeModelArtifact(bytes)).model;
      job.progress(0.85, 'scoring parent and child');
      const { parentEvaluation, childEvaluation, disagreement, map50Change } = scoreParentAndChild(
        parent.model,
        child,
        dataset,
        test,
        minScore,
      );
      const stored = workspace.artifacts.put(bytes);
      const modelId = newId('m');
      const validationId = newId('val');
      const summary = {
        parentMap50: parentEvaluation.map50,
        map50: childEvaluation.map50,
        map50Change,
        mapCoco: childEvaluation.mapCoco,
        lostBoxes: disagreement.lost,
        fineTuneSteps: tuned,
      };
      persistModel(
        workspace.db,
        {
          id: modelId,
          name: `${parent.row.name} (${options.recipe})`,
          arch: parent.row.arch,
          datasetId: trainingSet,
          parentId: parent.row.id,
          recipe: options.recipe,
          artifactSha256: stored.sha256,
          sizeBytes: stored.size,
          params: counts.params,
          nonzeroParams: counts.nonzero,
          backend,
          seed,
          config: { ...parent.row.config, compress: params },
          summary,
          createdAt: utcNow(),
        },
        {
          action: 'model.compress',
          payload: {
            params: { ...params, jobId },
            backend,
            inputs: [
              { role: 'parent-model', sha256: parent.row.artifactSha256 },
              { role: 'dataset-bundle', sha256: dataset.dataSha256 },
            ],
            outputs: [{ role: 'model', sha256: stored.sha256 }],
            result: { ...summary, validationId },
          },
        },
        () => {
          insertValidation(
            workspace.db,
            {
              id: validationId,
              modelId,
              datasetId: dataset.id,
              split: 'test',
              suites: [OBJECT_DETECTION_SUITE],
              backend,
              result: {
                evaluation: childEvaluation,
                parent: parentEvaluation,
                disagreement,
                operatingScore: minScore,
              },
              createdAt: utcNow(),
            },
            detectionMetricRows(childEvaluation),
          );
        },
      );
      return {
        modelId,
        parentId: parent.row.id,
        recipe: options.recipe,
        validationId,
        backend,
        sizeBytes: { parent: parent.row.sizeBytes, child: stored.size },
        params: { parent: counts.params, nonzero: counts.nonzero },
        parent: parentEvaluation,
        child: childEvaluation,
        map50Change,
        disagreement,
        fineTuneSteps: tuned,
      };
    });
  } finally {
    parent.model.dispose();
    child?.dispose();
  }
}
