/*
 * The stored result of a compression job (`compressModel`), as the jobs table keeps it and the UI reads it. The
 * figures the UI and the report read are described field by field; the per-step reports (structural steps,
 * fine-tuning, int8 sensitivity, held-out stage scores) are kept as stored but not yet described here. A field
 * added to `CompressResult` without this schema fails the build in `core/pipelines/job-results-conform.ts`.
 */
import { z } from 'zod';

export const modelMeasurementSchema = z.strictObject({
  backend: z.string(),
  sizeBytes: z.number(),
  gzipBytes: z.number(),
  params: z.number(),
  nonzeroParams: z.number(),
  flops: z.number(),
  sparseFlops: z.number(),
  latencyMs: z.number(),
  batchedMsPerSample: z.number(),
  runs: z.number(),
});

export const compressResultSchema = z.strictObject({
  modelId: z.string(),
  parentId: z.string(),
  recipe: z.string(),
  sizeBytes: z.number(),
  parentSizeBytes: z.number(),
  params: z.number(),
  nonzeroParams: z.number(),
  sparsity: z.number(),
  weightEncoding: z.enum(['float32', 'int8', 'float16']),
  backend: z.string(),
  measurement: z.strictObject({
    parent: modelMeasurementSchema,
    child: modelMeasurementSchema,
    ratios: z.record(z.string(), z.number()),
  }),
  notes: z.array(z.string()),
  heldOut: z
    .strictObject({
      records: z.array(z.string()),
      optimistic: z.boolean(),
      stages: z.array(z.strictObject({ stage: z.string(), score: z.unknown() })),
      macroF1Drop: z.number(),
    })
    .optional(),
  structural: z.array(z.unknown()),
  fineTune: z.unknown().optional(),
  sensitivity: z.unknown().optional(),
});
export type StoredCompressResult = z.infer<typeof compressResultSchema>;
