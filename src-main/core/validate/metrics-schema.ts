import { z } from 'zod';

/*
 * The stored shapes shared by several suites' results: classification metrics, intervals, ROC curves, the
 * decision rule and the fitted temperature. Each suite's own result schema sits beside the suite
 * (`<suite>-schema.ts`) and is built from these; the producers' TypeScript types are checked against them at
 * compile time (see `Conforms` below), the readers (contract, report, model card, UI) use the inferred types.
 */

/**
 * Compiles only when the producer's type T can be stored as the schema's type S says, and T has no top-level
 * field the schema leaves out (parsing would drop it).
 */
export type Conforms<T extends S & Record<Exclude<keyof T, keyof S>, never>, S> = [T, S];

export const intervalSchema = z.tuple([z.number(), z.number()]);

export const perClassMetricsSchema = z.object({
  label: z.string(),
  support: z.number(),
  predicted: z.number(),
  sensitivity: z.number().nullable(),
  positivePredictivity: z.number().nullable(),
  f1: z.number().nullable(),
  /** Absent from validations stored before specificity was reported. */
  specificity: z.number().nullable().optional(),
});

export const classificationMetricsSchema = z.object({
  n: z.number(),
  accuracy: z.number(),
  macroF1: z.number(),
  perClass: z.array(perClassMetricsSchema),
  /** confusion[true][predicted], counts. */
  confusion: z.array(z.array(z.number())),
  labels: z.array(z.string()),
});
export type StoredClassificationMetrics = z.infer<typeof classificationMetricsSchema>;

export const statedIntervalSchema = z.object({ interval: intervalSchema.nullable(), method: z.string() });

export const cleanIntervalsSchema = z.object({
  level: z.number(),
  testRecords: z.number(),
  accuracy: statedIntervalSchema,
  macroF1: statedIntervalSchema,
  perClass: z.record(
    z.string(),
    z.object({
      records: z.number(),
      sensitivity: statedIntervalSchema,
      positivePredictivity: statedIntervalSchema,
      f1: statedIntervalSchema,
    }),
  ),
});

export const bootstrapIntervalsSchema = z.object({
  unit: z.literal('record'),
  groups: z.number(),
  resamples: z.number(),
  level: z.number(),
  seed: z.number(),
  accuracy: intervalSchema,
  macroF1: intervalSchema,
  perClass: z.record(
    z.string(),
    z.object({
      sensitivity: intervalSchema.nullable(),
      positivePredictivity: intervalSchema.nullable(),
      f1: intervalSchema.nullable(),
    }),
  ),
});

export const recordConfusionSchema = z.object({
  record: z.string(),
  confusion: z.array(z.array(z.number())),
});

export const rocResultSchema = z.object({
  perClass: z.array(
    z.object({
      label: z.string(),
      positives: z.number(),
      negatives: z.number(),
      auc: z.number().nullable(),
      points: z.array(z.object({ threshold: z.number().nullable(), fpr: z.number(), tpr: z.number() })),
    }),
  ),
  macroAuc: z.number().nullable(),
  weightedAuc: z.number().nullable(),
});
export type StoredRocResult = z.infer<typeof rocResultSchema>;

export const decisionRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('argmax') }),
  z.object({
    kind: z.literal('threshold'),
    positiveClass: z.string(),
    positiveIndex: z.number(),
    threshold: z.number(),
  }),
]);

export const temperatureFitSchema = z.object({
  temperature: z.number(),
  atRangeLimit: z.boolean(),
  fittedOn: z.object({ groups: z.array(z.string()), n: z.number(), modelId: z.string() }),
});
