/*
 * The stored results of the job kinds whose pipelines have a result schema, by kind: the UI reads a finished
 * job's result through `jobResultOf` instead of casting it, so a result that does not fit (an older or broken
 * row) shows as absent rather than as a chart reading missing fields. Kinds not listed here still carry an
 * unparsed result.
 */
import type { z } from 'zod';
import { trainResultSchema } from '../core/pipelines/train/train-result-schema.js';
import { compressResultSchema } from '../core/pipelines/compress/compress-result-schema.js';
import { beatImportResultSchema } from '../core/pipelines/import/beat-import-result-schema.js';
import { validateJobResultSchema } from '../core/pipelines/validate/validate-job-result-schema.js';
import { exportedFileResultSchema } from '../core/pipelines/export/exported-file-result-schema.js';
import type { JobKind } from './jobs.js';

export const JOB_RESULT_SCHEMAS = {
  'import-wfdb': beatImportResultSchema,
  'import-edf': beatImportResultSchema,
  'import-synthetic': beatImportResultSchema,
  train: trainResultSchema,
  'train-resume': trainResultSchema,
  compress: compressResultSchema,
  validate: validateJobResultSchema,
  report: exportedFileResultSchema,
  'export-model': exportedFileResultSchema,
  'audit-bundle': exportedFileResultSchema,
} as const satisfies Partial<Record<JobKind, z.ZodType>>;

export type TypedResultKind = keyof typeof JOB_RESULT_SCHEMAS;
export type JobResultOf<K extends TypedResultKind> = z.infer<(typeof JOB_RESULT_SCHEMAS)[K]>;

/** A finished job's result parsed by its kind's schema; undefined when absent, of another kind, or not fitting. */
export function jobResultOf<K extends TypedResultKind>(
  kind: K,
  job: { kind: string; result?: unknown } | undefined,
): JobResultOf<K> | undefined {
  if (job === undefined || job.kind !== kind || job.result === undefined) return undefined;
  const parsed = JOB_RESULT_SCHEMAS[kind].safeParse(job.result);
  return parsed.success ? (parsed.data as JobResultOf<K>) : undefined;
}

/**
 * The name of the file a finished job wrote, read by the exported-file schema: the report, model and audit
 * exports, and any other job (a project bundle) whose result names its file the same way.
 */
export function exportedFileName(job: { result?: unknown }): string | undefined {
  const parsed = exportedFileResultSchema.safeParse(job.result);
  return parsed.success ? parsed.data.name : undefined;
}
