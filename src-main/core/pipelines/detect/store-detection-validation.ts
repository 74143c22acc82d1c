import type { Workspace } from '../../store/workspace.js';
import { type MetricRowInput } from '../../store/validations.js';
import { newId, utcNow } from '../../util/ids.js';
import type { DetectionDataset } from '../../detect/detection-dataset.js';
import type { StoredDetector } from '../../detect/stored-detector.js';
import { persistValidation } from '../../persist/persist-validation.js';

export interface DetectionValidationRecord {
  detector: StoredDetector;
  dataset: DetectionDataset;
  split: string;
  suite: string;
  backend: string;
  jobId: string;
  params: Record<string, unknown>;
  /** The stored result (what the UI and the report read back). */
  result: Record<string, unknown>;
  metricRows: MetricRowInput[];
  /** Headline figures for the audit event, beside the row count and the model. */
  summary?: Record<string, unknown>;
}

/**
 * Stores a detector's validation (evaluation, corruptions, attack) with its metric rows and its audit event in
 * one transaction, naming the model and dataset bundle it read; returns the validation's id.
 */
export function storeDetectionValidation(workspace: Workspace, r: DetectionValidationRecord): string {
  const validationId = newId('val');
  persistValidation(
    workspace.db,
    {
      id: validationId,
      modelId: r.detector.row.id,
      datasetId: r.dataset.id,
      split: r.split,
      suites: [r.suite],
      backend: r.backend,
      result: r.result,
      createdAt: utcNow(),
    },
    r.metricRows,
    {
      action: 'model.validate',
      payload: {
        params: { ...r.params, jobId: r.jobId, suites: [r.suite] },
        backend: r.backend,
        inputs: [
          { role: 'model', sha256: r.detector.row.artifactSha256 },
          { role: 'dataset-bundle', sha256: r.dataset.dataSha256 },
        ],
        result: { metricRows: r.metricRows.length, modelId: r.detector.row.id, ...r.summary },
      },
    },
  );
  return validationId;
}
