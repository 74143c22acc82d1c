import { compressionNotes } from '../../compress/compression-notes.js';
import type { Workspace } from '../../store/workspace.js';
import { tfl } from '../../engine/tf.js';
import { engineInfo } from '../../engine/backend.js';
import { decodeModelArtifact, encodeModelArtifact } from '../../models/artifact.js';
import { getModel, type ModelRow } from '../../store/models.js';
import { upsertMeasurement, type MeasurementRow } from '../../store/model-measurements.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { runJob } from '../../jobs/run-job.js';
import type { JobContext } from '../../jobs/job-context.js';
import { parseRecipe, stepOf, type RecipeStep } from '../../compress/recipe.js';
import { loadCompressData, type CompressData } from '../../compress/compress-data.js';
import { checkInputContract } from '../../models/input-contract.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { sampleIndices } from '../../data/sample-dataset.js';
import { measureModels, type ModelMeasurement } from '../../compress/measure-model.js';
import {
  predictClasses,
  scorePredictions,
  calibrateActivationRanges,
  type ActivationRanges,
  type HeldOutScore,
} from '../../compress/simulate-int8.js';
import { int8SensitivityScan, type SensitivityScan } from '../../compress/int8-sensitivity.js';
import { runFineTuning, type FineTuneReport } from '../../compress/compress-fine-tune.js';
import { applyStructuralStep, type StructuralReport } from '../../compress/structural-steps.js';
import { countParams } from '../../compress/model-size.js';
import { refuseRuntimeOnly } from '../../models/runtime-only.js';
import { persistModel } from '../../persist/persist-model.js';
import { decodeStoredModel } from '../../predict/load-stored-model.js';

export interface CompressOptions {
  modelId: string;
  recipe: string;
  fineTuneEpochs?: number;
  learningRate?: number;
  seed?: number;
  name?: string;
  /** Timed runs for the latency measurement (default 30). */
  latencyRuns?: number;
  /** The data a recipe fits, calibrates and scores on when the model records none (a model made elsewhere). */
  datasetId?: string;
}

/**
 * A model made elsewhere records no training dataset: `--dataset` gives one, whose input contract must agree
 * with the model's. A model trained here keeps its own (another one would mix held-out records).
 */
function withCompressionData(
  workspace: Workspace,
  parent: ModelRow,
  datasetId: string | undefined,
): ModelRow {
  if (datasetId === undefined) return parent;
  if (parent.datasetId !== null && parent.datasetId !== datasetId)
    throw badInput(
      `model ${parent.id} was trained on dataset ${parent.datasetId}; --dataset is for models that record none (imported ones)`,
    );
  const dataset = loadDataset(workspace, datasetId);
  checkInputContract(parent, dataset);
  if (sampleIndices(dataset, 'train').length === 0)
    throw badInput(
      `dataset ${datasetId} has no sample in its train split, which compression fits and scores on`,
    );
  return { ...parent, datasetId };
}

export interface StageScore {
  stage: string;
  score: HeldOutScore;
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
  weightEncoding: 'float32' | 'int8' | 'float16';
  backend: string;
  /** Measured figures of the parent and the child on the active backend, and child / parent ratios. */
  measurement: { parent: ModelMeasurement; child: ModelMeasurement; ratios: Record<string, number> };
  /** What the cost figures mean where they mislead (FLOPs unchanged by pruning, slower latency): compression-notes.ts. */
  notes: string[];
  /** Held-out scores (the parent's validation records) after each stage; the last is the stored model's. */
  heldOut?: { records: string[]; optimistic: boolean; stages: StageScore[]; macroF1Drop: number };
  structural: StructuralReport[];
  fineTune?: FineTuneReport;
  sensitivity?: SensitivityScan;
}

const DATA_FREE = new Set<RecipeStep['kind']>(['lowrank', 'quant']);

/** The options checked and settled before the job starts: nothing runs on a recipe or model it would refuse. */
function checkedCompression(workspace: Workspace, options: CompressOptions) {
  const steps = parseRecipe(options.recipe);
  const fineTuneEpochs = options.fineTuneEpochs ?? 2;
  if (!Number.isInteger(fineTuneEpochs) || fineTuneEpochs < 0 || fineTuneEpochs > 100) {
    throw badInput('--fine-tune-epochs must be an integer from 0 to 100');
  }
  const parentRow = getModel(workspace.db, options.modelId);
  refuseRuntimeOnly(parentRow, 'compression');
  const parent = withCompressionData(workspace, parentRow, options.datasetId);
  const learningRate = options.learningRate ?? 3e-4;
  if (!(learningRate > 0 && learningRate < 1))
    throw badInput(`--learning-rate ${learningRate} is outside (0, 1)`);
  const seed = options.seed ?? parent.seed ?? 0;
  // Without a dataset only what needs no data can run: storage formats, low-rank, and pruning with no fine-tune.
  const needsData = steps.some(
    (s) => !DATA_FREE.has(s.kind) && !(s.kind === 'prune' && fineTuneEpochs === 0),
  );
  if (parent.datasetId === null && needsData)
    throw badInput(`model ${parent.id} has no training dataset, which recipe ${options.recipe} needs`);
  // Distillation learns from the parent unless the recipe names another teacher (e.g. a larger model).
  const teacherId = stepOf(steps, 'distill')?.teacher;
  const teacherRow = teacherId === undefined ? undefined : getModel(workspace.db, teacherId);
  if (teacherRow !== undefined) refuseRuntimeOnly(teacherRow, 'distillation from it');
  return { steps, fineTuneEpochs, parent, learningRate, seed, teacherRow };
}

/** A named teacher for distillation, refused unless it reads and predicts the same shapes as the parent. */
async function namedTeacher(
  workspace: Workspace,
  teacherRow: ModelRow,
  parent: tfl.LayersModel,
  parentId: string,
): Promise<tfl.LayersModel> {
  const model = await decodeStoredModel(workspace, teacherRow);
  const shape = (m: tfl.LayersModel): string =>
    JSON.stringify([m.inputs[0]?.shape.slice(1), m.outputs[0]?.shape.slice(1)]);
  if (shape(model) !== shape(parent)) {
    model.dispose();
    throw badInput(
      `teacher ${teacherRow.id} reads or predicts differently shaped data (${shape(model)}) than model ${parentId} (${shape(parent)})`,
    );
  }
  return model;
}

/**
 * int8 activation ranges calibrated on training samples, and the per-layer sensitivity scan whose advice goes to
 * the job's log; keep-float layers keep float activations too.
 */
function calibrateInt8(
  model: tfl.LayersModel,
  data: CompressData,
  floatLayers: string[],
  job: JobContext,
): { ranges: ActivationRanges; sensitivity: SensitivityScan } {
  job.progress(0.85, 'int8: calibrating activation ranges and scanning layer sensitivity');
  const ranges = calibrateActivationRanges(model, data.calibration, data.dataset.sampleShape);
  const sensitivity = int8SensitivityScan(model, ranges, {
    inputs: data.scan.inputs,
    labels: data.scan.labels,
    classes: data.dataset.classes,
    sampleShape: data.dataset.sampleShape,
  });
  for (const line of sensitivity.advice) job.log(line);
  for (const layer of floatLayers) delete ranges[layer];
  return { ranges, sensitivity };
}

/**
 * Derives a smaller model from a stored one by a recipe (see recipe.ts), scores every stage on the parent's
 * held-out records (int8 by simulated int8 inference), measures parent and child on the active backend, and
 * stores the child with its measurements and an audit event in one transaction.
 */
export async function compressModel(
  workspace: Workspace,
  options: CompressOptions,
  context: JobContext,
): Promise<CompressResult> {
  const { steps, fineTuneEpochs, parent, learningRate, seed, teacherRow } = checkedCompression(
    workspace,
    options,
  );
  const params = {
    modelId: parent.id,
    recipe: options.recipe,
    steps,
    fineTuneEpochs,
    learningRate,
    seed,
    ...(options.datasetId !== undefined ? { datasetId: options.datasetId } : {}),
  };
  return runJob(workspace, 'compress', params, context, async (jobId, job) => {
    const backend = engineInfo().backend;
    const parentBytes = workspace.artifacts.get(parent.artifactSha256);
    const decoded = await decodeModelArtifact(parentBytes, `model ${parent.id}`);
    const teacher = decoded.model;
    let model: tfl.LayersModel = teacher;
    const data = parent.datasetId === null ? undefined : loadCompressData(workspace, parent, seed);
    const stages: StageScore[] = [];
    const score = (stage: string, m: tfl.LayersModel, ranges?: ActivationRanges): void => {
      if (data === undefined) return;
      const predicted = predictClasses(
        m,
        data.heldOut.inputs,
        data.dataset.sampleShape,
        ranges ? { ranges } : {},
      );
      stages.push({ stage, score: scorePredictions(data.heldOut.labels, predicted, data.dataset.classes) });
    };
    const owned: tfl.LayersModel[] = [];
    try {
      job.progress(0.02, 'scoring the parent on its held-out records');
      score('parent', teacher);
      const structural: StructuralReport[] = [];
      for (const step of steps) {
        if (step.kind !== 'student' && step.kind !== 'filters' && step.kind !== 'lowrank') continue;
        job.progress(0.05, `${step.kind}: reshaping the network`);
        const next = await applyStructuralStep(model, step, { seed, data });
        structural.push(next.report);
        owned.push(next.model);
        model = next.model;
        // Low-rank factorization is judged without fine-tuning (the point of the robust l_p fit).
        score(`${step.kind} (no fine-tuning)`, model);
      }
      if (model === teacher) {
        // The parent is the teacher: work on a separate copy so that distillation compares against the original.
        const copy = (await decodeModelArtifact(parentBytes, `model ${parent.id}`)).model;
        owned.push(copy);
        model = copy;
      }
      let distillFrom = teacher;
      if (teacherRow !== undefined) {
        distillFrom = await namedTeacher(workspace, teacherRow, teacher, parent.id);
        owned.push(distillFrom);
      }
      const fineTune = await runFineTuning(model, distillFrom, steps, {
        data,
        epochs: fineTuneEpochs,
        learningRate,
        seed,
        job,
      });
      if (fineTune !== undefined && fineTune.epochs > 0) score('fine-tuned', model);
      else if (fineTune?.prune !== undefined) score('pruned (no fine-tuning)', model);

      const quant = stepOf(steps, 'quant');
      const qat = stepOf(steps, 'qat');
      const weights: CompressResult['weightEncoding'] =
        quant?.precision ?? (qat !== undefined ? 'int8' : 'float32');
      let ranges: ActivationRanges | undefined;
      let sensitivity: SensitivityScan | undefined;
      const floatLayers = quant?.keepFloat ?? [];
      if (weights === 'int8' && data !== undefined)
        ({ ranges, sensitivity } = calibrateInt8(model, data, floatLayers, job));
      const bytes = await encodeModelArtifact(model, {
        weights,
        floatLayers,
        meta: {
          ...decoded.header.meta,
          recipe: options.recipe,
          parentId: parent.id,
          ...(ranges !== undefined
            ? {
                activationQuantization: {
                  scheme: 'asymmetric-per-tensor-uint8',
                  calibratedOn: data?.calibration.length ?? 0,
                  ranges,
                },
              }
            : {}),
        },
      });
      const stored = workspace.artifacts.put(bytes);
      // Everything below is about the stored file: int8 rounding can turn tiny weights into exact zeros.
      const reloaded = (await decodeModelArtifact(bytes, 'compressed model')).model;
      owned.push(reloaded);
      if (weights !== 'float32')
        score(weights === 'int8' && ranges ? 'int8 (simulated int8 inference)' : weights, reloaded, ranges);
      job.progress(0.92, 'measuring size, FLOPs and latency of parent and child');
      const runs = options.latencyRuns;
      const measureOptions = runs !== undefined ? { runs } : {};
      // Parent and child are timed together, interleaved, and the parent's stored figures are refreshed.
      const [parentFigures, childMeasured] = (await measureModels(
        [
          { model: teacher, artifactBytes: parentBytes },
          { model: reloaded, artifactBytes: bytes },
        ],
        measureOptions,
      )) as [ModelMeasurement, ModelMeasurement];
      const parentMeasured = toRow(parent.id, parentFigures);
      return storeCompressedModel(workspace, {
        options,
        params,
        jobId,
        parent,
        teacherRow,
        backend,
        seed,
        stored,
        reloaded,
        steps,
        weights,
        parentMeasured,
        childMeasured,
        data,
        stages,
        structural,
        fineTune,
        sensitivity,
      });
    } finally {
      teacher.dispose();
      for (const m of owned) m.dispose();
    }
  });
}

/** What the compression job hands to the step that stores its model. */
interface CompressedModel {
  options: CompressOptions;
  params: Record<string, unknown>;
  jobId: string;
  parent: ReturnType<typeof checkedCompression>['parent'];
  teacherRow: ReturnType<typeof checkedCompression>['teacherRow'];
  backend: string;
  seed: number;
  stored: { sha256: string; size: number };
  reloaded: tfl.LayersModel;
  steps: RecipeStep[];
  weights: CompressResult['weightEncoding'];
  parentMeasured: MeasurementRow;
  childMeasured: ModelMeasurement;
  data: CompressData | undefined;
  stages: StageScore[];
  structural: StructuralReport[];
  fineTune: FineTuneReport | undefined;
  sensitivity: SensitivityScan | undefined;
}

/**
 * Stores the compressed model with its summary, the `model.compress` audit event and both measurements in one
 * transaction, and returns the job's result.
 */
function storeCompressedModel(workspace: Workspace, compressed: CompressedModel): CompressResult {
  const {
    options,
    params,
    jobId,
    parent,
    teacherRow,
    backend,
    seed,
    stored,
    reloaded,
    steps,
    weights,
    parentMeasured,
    childMeasured,
    data,
    stages,
    structural,
    fineTune,
    sensitivity,
  } = compressed;
  const counts = countParams(reloaded);
  const modelId = newId('m');
  const sparsity = counts.params === 0 ? 0 : 1 - counts.nonzero / counts.params;
  const ratios = ratiosOf(stripRow(parentMeasured), childMeasured);
  const notes = compressionNotes(stripRow(parentMeasured), childMeasured, weights);
  const heldOut =
    data === undefined
      ? undefined
      : {
          records: data.heldOut.records,
          optimistic: data.heldOut.optimistic,
          stages,
          macroF1Drop: 100 * ((stages[0]?.score.macroF1 ?? NaN) - (stages.at(-1)?.score.macroF1 ?? NaN)),
        };
  const summary = {
    parentSizeBytes: parent.sizeBytes,
    sparsity,
    weightEncoding: weights,
    steps,
    measurement: childMeasured,
    parentMeasurement: stripRow(parentMeasured),
    ratios,
    notes,
    ...(heldOut !== undefined ? { heldOut } : {}),
    structural,
    ...(fineTune !== undefined ? { fineTune } : {}),
    ...(sensitivity !== undefined ? { sensitivity } : {}),
  };
  const now = utcNow();
  const row: ModelRow = {
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
    createdAt: now,
  };
  persistModel(
    workspace.db,
    row,
    {
      action: 'model.compress',
      payload: {
        params: { ...params, jobId },
        backend,
        inputs: [
          { role: 'parent-model', sha256: parent.artifactSha256 },
          ...(teacherRow !== undefined ? [{ role: 'teacher-model', sha256: teacherRow.artifactSha256 }] : []),
        ],
        outputs: [{ role: 'model', sha256: stored.sha256 }],
        result: {
          sizeBytes: stored.size,
          params: counts.params,
          nonzeroParams: counts.nonzero,
          sparsity,
          measurement: childMeasured,
          parentMeasurement: stripRow(parentMeasured),
          ...(heldOut !== undefined ? { heldOutStages: heldOut.stages } : {}),
        },
      },
    },
    () => {
      upsertMeasurement(workspace.db, parentMeasured);
      upsertMeasurement(workspace.db, { modelId, ...childMeasured, measuredAt: now });
    },
  );
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
    measurement: { parent: stripRow(parentMeasured), child: childMeasured, ratios },
    notes,
    ...(heldOut !== undefined ? { heldOut } : {}),
    structural,
    ...(fineTune !== undefined ? { fineTune } : {}),
    ...(sensitivity !== undefined ? { sensitivity } : {}),
  };
}

function toRow(modelId: string, measured: ModelMeasurement): MeasurementRow {
  return { modelId, ...measured, measuredAt: utcNow() };
}

function stripRow(row: MeasurementRow): ModelMeasurement {
  const { modelId: _modelId, measuredAt: _measuredAt, ...measured } = row;
  return measured;
}

/** Parent / child for costs (how many times smaller or faster), so that > 1 means the child is cheaper. */
export function ratiosOf(parent: ModelMeasurement, child: ModelMeasurement): Record<string, number> {
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);
  return {
    smallerOnDisk: ratio(parent.sizeBytes, child.sizeBytes),
    smallerGzipped: ratio(parent.gzipBytes, child.gzipBytes),
    fewerNonzeroParams: ratio(parent.nonzeroParams, child.nonzeroParams),
    fewerFlops: ratio(parent.flops, child.flops),
    fewerSparseFlops: ratio(parent.sparseFlops, child.sparseFlops),
    fasterLatency: ratio(parent.latencyMs, child.latencyMs),
    fasterBatched: ratio(parent.batchedMsPerSample, child.batchedMsPerSample),
  };
}
