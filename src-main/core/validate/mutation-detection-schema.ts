import { z } from 'zod';
import { intervalSchema } from './metrics-schema.js';

export const detectionFiguresSchema = z.object({
  attack: z.string(),
  epsilon: z.number(),
  adversarial: z.number(),
  normal: z.number(),
  meanLcrNormal: z.number(),
  meanLcrAdversarial: z.number().nullable(),
  auc: z.number().nullable(),
  detectionRate: z.number().nullable(),
  falsePositiveRate: z.number(),
  falsePositiveInterval: intervalSchema,
  meanMutantsUsed: z.number(),
});

/**
 * The stored result of the adversarial-example detection by model mutation (nMutant: detection-suite.ts), not
 * to be confused with object detection (`detect/`).
 */
export const mutationDetectionResultSchema = z.object({
  mutation: z.object({
    mutants: z.number(),
    rate: z.number(),
    scale: z.number(),
    minAgreement: z.number(),
    seed: z.number(),
  }),
  acceptedMutants: z.number(),
  discardedMutants: z.number(),
  referenceInputs: z.number(),
  sprt: z.object({ threshold: z.number(), indifference: z.number(), alpha: z.number(), beta: z.number() }),
  /** Absent from validations stored before the threshold was calibrated. */
  calibration: z
    .object({ designFalsePositiveRate: z.number(), flaggedReference: z.number(), calibrated: z.boolean() })
    .optional(),
  attacks: z.array(detectionFiguresSchema),
});
export type StoredMutationDetectionResult = z.infer<typeof mutationDetectionResultSchema>;
