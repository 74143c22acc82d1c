import type { ModelRow } from '../store/models.js';
import { isImportedModel } from '../models/input-contract.js';
import { runtimeOnlyReason } from '../models/runtime-only.js';
import { suitesForModel, type SuiteNotRun } from './suites-for-model.js';
import { SUITES } from './validate-options.js';

/** What the models page and the validate form show of a model made elsewhere, before anything is run. */
export interface ImportedModelStatus {
  fileName: string;
  framework: string;
  format: string;
  /** Set when ONNX Runtime alone runs the model (its graph could not be converted to TF.js). */
  runtimeOnly: { operator: string; reason: string } | null;
  /** Every suite that cannot run on this model, with the reason validate would store. */
  suitesNotRun: SuiteNotRun[];
}

/**
 * The origin and the suites a model made elsewhere cannot run, from the same rule validate applies
 * (suitesForModel), so that the reader learns it before choosing suites rather than from the result; undefined
 * for a model Attest trained.
 */
export function importedModelStatus(row: ModelRow): ImportedModelStatus | undefined {
  if (!isImportedModel(row)) return undefined;
  const origin = row.config['origin'] as { fileName?: string; framework?: string; format?: string };
  return {
    fileName: origin.fileName ?? '?',
    framework: origin.framework ?? '?',
    format: origin.format ?? '?',
    runtimeOnly: runtimeOnlyReason(row) ?? null,
    suitesNotRun: suitesForModel(row, SUITES).notRun,
  };
}
