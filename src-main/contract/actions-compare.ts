import { z } from 'zod';

const id = z.string().min(1).max(100);
const interval = z.tuple([z.number(), z.number()]).nullable();

const comparedModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  accuracy: z.number(),
  accuracyInterval: interval,
  macroF1: z.number(),
  perClass: z.array(
    z.object({
      label: z.string(),
      support: z.number(),
      sensitivity: z.number().nullable(),
      f1: z.number().nullable(),
    }),
  ),
  vsReference: z
    .object({
      accuracyPoints: z.number(),
      macroF1Points: z.number(),
      lost: z.number(),
      gained: z.number(),
      pValue: z.number(),
      perClass: z.record(z.string(), z.object({ lost: z.number(), gained: z.number() })),
    })
    .nullable(),
  validation: z.object({ id: z.string(), createdAt: z.string(), verdict: z.string().nullable() }).nullable(),
});

const modelComparisonSchema = z.object({
  datasetId: z.string(),
  split: z.string(),
  n: z.number(),
  classes: z.array(z.string()),
  models: z.array(comparedModelSchema),
});
export type ModelComparisonView = z.infer<typeof modelComparisonSchema>;

/**
 * Models side by side on the same samples of one dataset (the first is the reference): metrics with intervals,
 * differences, the samples that changed answer, and each model's stored verdict. Reads only.
 */
export const compareActions = {
  'models.compare': {
    request: z.strictObject({
      datasetId: id,
      modelIds: z.array(id).min(2).max(8),
      split: z.enum(['train', 'test', 'all']),
    }),
    response: modelComparisonSchema,
  },
} as const;
