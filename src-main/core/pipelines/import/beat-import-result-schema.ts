/*
 * The stored result of the beat imports (WFDB, EDF, synthetic ECG: `BeatDatasetResult`), as the jobs table keeps
 * it and the UI reads it. A field added to `BeatDatasetResult` without this schema fails the build in
 * `core/pipelines/job-results-conform.ts`.
 */
import { z } from 'zod';

export const beatImportResultSchema = z.strictObject({
  datasetId: z.string(),
  name: z.string(),
  records: z.number(),
  splits: z.record(
    z.string(),
    z.strictObject({
      total: z.number(),
      classes: z.record(z.string(), z.number()),
      records: z.array(z.string()),
    }),
  ),
  skipped: z.array(z.string()),
  warnings: z.array(z.string()),
  dataSufficiency: z.array(z.string()),
  dataSha256: z.string(),
});
export type StoredBeatImportResult = z.infer<typeof beatImportResultSchema>;
