import { z } from 'zod';

const welchSchema = z.object({ t: z.number(), df: z.number(), pValue: z.number() });

/**
 * The stored `disagreement` result: the flips between a compressed model and its parent, per class with
 * McNemar's and Welch's tests, and the pruning-identified exemplars (disagreement-suite.ts).
 */
export const disagreementResultSchema = z.object({
  parentId: z.string(),
  n: z.number(),
  disagreement: z.number(),
  flippedCount: z.number(),
  lostCount: z.number(),
  gainedCount: z.number(),
  flipped: z.array(
    z.object({
      index: z.number(),
      group: z.string(),
      label: z.string(),
      model: z.string(),
      parent: z.string(),
      modelConfidence: z.number(),
      parentConfidence: z.number(),
    }),
  ),
  perClass: z.array(
    z.object({
      label: z.string(),
      support: z.number(),
      parentRecall: z.number().nullable(),
      modelRecall: z.number().nullable(),
      change: z.number().nullable(),
      mcnemar: z.object({ lost: z.number(), gained: z.number(), pValue: z.number() }),
      welch: welchSchema.nullable(),
      significant: z.boolean(),
    }),
  ),
  populations: z.object({ model: z.array(z.string()), parent: z.array(z.string()) }),
  pies: z.object({
    count: z.number(),
    indices: z.array(z.number()),
    parentAccuracyOnPies: z.number().nullable(),
    parentAccuracyElsewhere: z.number().nullable(),
  }),
});
export type StoredDisagreementResult = z.infer<typeof disagreementResultSchema>;
