import type { tfl } from '../engine/tf.js';
import type { Workspace } from '../store/workspace.js';
import { getModel, type ModelRow } from '../store/models.js';
import { validationsOfModel } from '../store/validations.js';
import type { SampleDataset, SplitName } from '../data/sample-dataset.js';
import { badInput } from '../errors.js';
import { ECG_FGSM_UNIT } from './fgsm.js';
import { predictProbabilities } from '../predict/predict.js';
import { fitTemperature, TEMPERATURE_RANGE } from './calibration.js';
import { decodeStoredModel } from '../predict/load-stored-model.js';

/** Where a temperature was fitted: the held-out validation records of the model's training run. */
export interface TemperatureFit {
  temperature: number;
  /**
   * The fit stopped at an end of TEMPERATURE_RANGE: the validation records are separated perfectly (T small) or
   * predicted near chance (T large), so the temperature says more about them than about calibration.
   */
  atRangeLimit: boolean;
  fittedOn: { groups: string[]; n: number; modelId: string };
}

/**
 * What every suite reads: the model under test, the chosen split of the dataset as model inputs, and lazily
 * computed shared pieces (probabilities, the parent model, the validation records, a fitted temperature), each
 * computed at most once per validation.
 */
export class SuiteContext {
  private probabilityCache: Float32Array | undefined;
  private parentCache: { row: ModelRow; model: tfl.LayersModel } | null | undefined;
  private temperatureCache: TemperatureFit | null | undefined;
  /**
   * The model the forward-only suites run (clean, calibration, noise, corruptions, square): `model` itself, or
   * the same model on ONNX Runtime when that was measured faster (forward-runtime.ts). Gradients use `model`.
   */
  forwardModel: tfl.LayersModel;

  constructor(
    readonly workspace: Workspace,
    readonly modelRow: ModelRow,
    readonly model: tfl.LayersModel,
    readonly dataset: SampleDataset,
    readonly split: SplitName,
    readonly indices: Int32Array,
    readonly labels: Int32Array,
    readonly groups: Int32Array,
    readonly inputs: Float32Array,
    readonly seed: number,
  ) {
    this.forwardModel = model;
  }

  get sampleShape(): number[] {
    return this.dataset.sampleShape;
  }

  get classCount(): number {
    return this.dataset.classes.length;
  }

  /** What an epsilon is measured in: perturbations are added to the model input. */
  get unit(): string {
    return this.dataset.kind === 'ecg-beats' ? ECG_FGSM_UNIT : 'model input units (after preprocessing)';
  }

  /** The model's class probabilities on the split, row-major (n x classes). */
  probabilities(): Float32Array {
    this.probabilityCache ??= predictProbabilities(
      this.forwardModel,
      this.inputs,
      this.sampleShape,
    ).probabilities;
    return this.probabilityCache;
  }

  /** The parent model (the float model a compressed child was derived from), or undefined for a baseline. */
  async parent(): Promise<{ row: ModelRow; model: tfl.LayersModel } | undefined> {
    if (this.parentCache === undefined) {
      if (this.modelRow.parentId === null) this.parentCache = null;
      else {
        const row = getModel(this.workspace.db, this.modelRow.parentId);
        const model = await decodeStoredModel(this.workspace, row);
        this.parentCache = { row, model };
      }
    }
    return this.parentCache ?? undefined;
  }

  async requireParent(suite: string): Promise<{ row: ModelRow; model: tfl.LayersModel }> {
    const parent = await this.parent();
    if (parent === undefined)
      throw badInput(
        `the ${suite} suite compares a model with its parent; model ${this.modelRow.id} is a baseline without parent`,
      );
    return parent;
  }

  /** The model that was trained (following parents up from a compressed child), whose summary names its splits. */
  trainedAncestor(): ModelRow {
    let row = this.modelRow;
    for (let depth = 0; row.parentId !== null && depth < 100; depth++)
      row = getModel(this.workspace.db, row.parentId);
    return row;
  }

  /**
   * Samples of the training run's held-out validation records, when the dataset is the one the model was trained
   * on; undefined otherwise (a temperature must never be fitted on the test split it is judged on).
   */
  validationIndices(): { indices: Int32Array; groups: string[]; modelId: string } | undefined {
    const trained = this.trainedAncestor();
    if (trained.datasetId !== this.dataset.id) return undefined;
    const names = (trained.summary['validationRecords'] as string[] | undefined) ?? [];
    if (names.length === 0) return undefined;
    const wanted = new Set(names);
    const out: number[] = [];
    for (let i = 0; i < this.dataset.count; i++) {
      if (wanted.has(this.dataset.groups[this.dataset.group[i] as number] ?? '')) out.push(i);
    }
    return out.length > 0 ? { indices: Int32Array.from(out), groups: names, modelId: trained.id } : undefined;
  }

  /** The temperature minimising NLL on the validation records, or undefined when there are none. */
  temperature(): TemperatureFit | undefined {
    if (this.temperatureCache === undefined) {
      const validation = this.validationIndices();
      if (validation === undefined) this.temperatureCache = null;
      else {
        const { probabilities } = predictProbabilities(
          this.forwardModel,
          this.dataset.inputs(validation.indices),
          this.sampleShape,
        );
        const labels = Int32Array.from(validation.indices, (i) => this.dataset.labels[i] as number);
        const temperature = fitTemperature(probabilities, labels, this.classCount);
        this.temperatureCache = {
          temperature,
          atRangeLimit: TEMPERATURE_RANGE.some((end) => Math.abs(Math.log(temperature / end)) < 1e-3),
          fittedOn: { groups: validation.groups, n: validation.indices.length, modelId: validation.modelId },
        };
      }
    }
    return this.temperatureCache ?? undefined;
  }

  dispose(): void {
    if (this.forwardModel !== this.model) this.forwardModel.dispose();
    this.parentCache?.model.dispose();
    this.parentCache = undefined;
  }
}

/**
 * The temperature of the model's latest calibration on a dataset, as stored with that validation, for callers
 * that apply temperature scaling as post-processing (the UI's predictions, exports); undefined when none was fitted.
 */
export function storedTemperature(
  workspace: Workspace,
  modelId: string,
  datasetId: string,
): { temperature: number; validationId: string } | undefined {
  const rows = validationsOfModel(workspace.db, modelId).filter((v) => v.datasetId === datasetId);
  for (let k = rows.length - 1; k >= 0; k--) {
    const row = rows[k];
    const fit = (row?.result['calibration'] as { temperature?: { temperature?: number } | null } | undefined)
      ?.temperature;
    if (row !== undefined && typeof fit?.temperature === 'number')
      return { temperature: fit.temperature, validationId: row.id };
  }
  return undefined;
}
