/*
 * The stored result of a training job (`trainModel`), as the jobs table keeps it and the UI reads it. A field
 * added to `TrainResult` without this schema fails the build in `core/pipelines/job-results-conform.ts`; a field
 * added later is optional here, since results stored before it lack it.
 */
import { z } from 'zod';
import { classificationMetricsSchema } from '../../validate/metrics-schema.js';

export const epochRecordSchema = z.strictObject({
  epoch: z.number(),
  loss: z.number(),
  valAccuracy: z.number(),
  valMacroF1: z.number(),
  learningRate: z.number(),
  checkpointSha256: z.string(),
});

/** The learning-rate range test that chose the rate (`chooseLearningRate`). */
export const autoLearningRateSchema = z.strictObject({
  rate: z.number(),
  suggestedRate: z.number(),
  steepestRate: z.number(),
  clamped: z.boolean(),
  stoppedEarly: z.boolean(),
  batchSize: z.number(),
  seconds: z.number(),
  points: z.array(z.strictObject({ rate: z.number(), loss: z.number(), smoothed: z.number() })),
});

export const trainResultSchema = z.strictObject({
  modelId: z.string(),
  learningRate: z.number(),
  lrRangeTest: autoLearningRateSchema.optional(),
  jobId: z.string(),
  epochsRun: z.number(),
  bestEpoch: z.number(),
  stoppedBy: z.enum(['epochs', 'early-stopping', 'time-limit']),
  replicas: z.number(),
  seconds: z.number(),
  labeledSamples: z.number(),
  backend: z.string(),
  sizeBytes: z.number(),
  params: z.number(),
  validation: classificationMetricsSchema.strict(),
  history: z.array(epochRecordSchema),
});
export type StoredTrainResult = z.infer<typeof trainResultSchema>;
