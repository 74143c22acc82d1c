import { z } from 'zod';

/** The stored `attribution` result: saliency and Integrated Gradients of chosen samples (attribution-suite.ts). */
export const attributionResultSchema = z.object({
  method: z.string(),
  steps: z.number(),
  sampleShape: z.array(z.number()),
  samples: z.array(
    z.object({
      index: z.number(),
      group: z.string(),
      label: z.string(),
      predicted: z.string(),
      probability: z.number(),
      baselineProbability: z.number(),
      saliency: z.array(z.number()),
      integratedGradients: z.array(z.number()),
      completenessError: z.number(),
    }),
  ),
});
export type StoredAttributionResult = z.infer<typeof attributionResultSchema>;
