import type { Workspace } from '../store/workspace.js';
import { getModel, type ModelRow } from '../store/models.js';
import {
  datasetGroups,
  datasetSources,
  getDataset,
  type DatasetGroup,
  type DatasetRow,
  type SourceFileRow,
} from '../store/datasets.js';
import { validationsOfModel, type ValidationRow } from '../store/validations.js';
import { auditHead, listAuditEvents } from '../audit/log.js';
import type { AuditEvent } from '../audit/event-hash.js';
import { verifyAuditTrail, type AuditVerification } from '../audit/verify.js';
import { latestCheckpoint, type SignedCheckpoint } from '../audit/checkpoint.js';
import { listSignatures, signatureStatus, type SignatureRow } from '../audit/signatures.js';
import { commentOnCurrentVersion, listComments, type RecordComment } from '../audit/comments.js';
import { gatherMethods, type MethodsReport } from './methods-section.js';
import { isDetectionValidation } from './detection-sections.js';

export interface ReportData {
  generatedAt: string;
  model: ModelRow;
  parent: ModelRow | undefined;
  dataset: (DatasetRow & { sources: SourceFileRow[]; groups: DatasetGroup[] }) | undefined;
  /** The latest validation per (dataset, split) of the model, and the parent's on the same data. */
  validations: { model: ValidationRow; parent: ValidationRow | undefined }[];
  events: AuditEvent[];
  head: { seq: number; hash: string } | undefined;
  verification: AuditVerification;
  /**
   * The latest signed checkpoint, carried in the report so that the report itself is a witness: a later
   * `attest audit prove --since REPORT.html` shows whether the trail only grew since.
   */
  checkpoint: SignedCheckpoint | null;
  /** Electronic signatures of the model and its validations, with whether the signed record is unchanged. */
  signatures: (SignatureRow & { status: ReturnType<typeof signatureStatus> })[];
  /** Training methods of the model and the stored comparisons with the plain baseline around it. */
  methods: MethodsReport;
  /** Reviewers' comments on the model and its validations (audit events), with whether the record changed since. */
  comments: (RecordComment & { onCurrentVersion: boolean })[];
}

function latestPerData(rows: ValidationRow[]): Map<string, ValidationRow> {
  const latest = new Map<string, ValidationRow>();
  // A detector's evaluation, corruption and attack runs are separate validations of the same split: keep each.
  for (const row of rows)
    latest.set(
      `${row.datasetId}/${row.split}${isDetectionValidation(row) ? `/${row.suites.join(',')}` : ''}`,
      row,
    );
  return latest;
}

/** Everything a report shows, gathered from the store in one place so that every format shows the same. */
export function gatherReportData(workspace: Workspace, modelId: string): ReportData {
  const db = workspace.db;
  const model = getModel(db, modelId);
  const parent = model.parentId !== null ? getModel(db, model.parentId) : undefined;
  const datasetRow = model.datasetId !== null ? getDataset(db, model.datasetId) : undefined;
  const dataset =
    datasetRow !== undefined
      ? {
          ...datasetRow,
          sources: datasetSources(db, datasetRow.id),
          groups: datasetGroups(db, datasetRow.id),
        }
      : undefined;
  const parentLatest =
    parent !== undefined
      ? latestPerData(validationsOfModel(db, parent.id))
      : new Map<string, ValidationRow>();
  const validations = [...latestPerData(validationsOfModel(db, model.id)).entries()].map(([key, row]) => ({
    model: row,
    parent: parentLatest.get(key),
  }));
  const related = new Set([
    model.id,
    parent?.id,
    dataset?.id,
    ...validations.flatMap((v) => [v.model.id, v.parent?.id]),
  ]);
  const events = listAuditEvents(db).filter((e) => e.entityId !== null && related.has(e.entityId));
  return {
    generatedAt: new Date().toISOString(),
    model,
    parent,
    dataset,
    validations,
    events,
    head: auditHead(db),
    methods: gatherMethods(db, model, parent),
    verification: verifyAuditTrail(workspace),
    checkpoint: latestCheckpoint(db) ?? null,
    comments: listComments(db, [model.id, ...validationsOfModel(db, model.id).map((v) => v.id)]).map((c) => ({
      ...c,
      onCurrentVersion: commentOnCurrentVersion(db, c),
    })),
    signatures: listSignatures(db, [model.id, ...validationsOfModel(db, model.id).map((v) => v.id)]).map(
      (s) => ({
        ...s,
        status: signatureStatus(db, s),
      }),
    ),
  };
}
