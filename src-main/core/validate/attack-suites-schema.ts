import { z } from 'zod';

/** The stored `fgsm` result (fgsm.ts). */
export const fgsmResultSchema = z.object({
  unit: z.string(),
  norm: z.literal('Linf'),
  n: z.number(),
  cleanAccuracy: z.number(),
  points: z.array(
    z.object({ epsilon: z.number(), accuracy: z.number(), attackSuccessRate: z.number().nullable() }),
  ),
  /**
   * How an input unit reads to a reviewer (mV, grey levels), so epsilons can be shown in it; null when the data
   * have no physical unit, absent from validations stored before it.
   */
  reviewerScale: z
    .object({ unit: z.enum(['mV', 'grey levels of 255']), perInputUnit: z.number(), basis: z.string() })
    .nullable()
    .optional(),
});
export type StoredFgsmResult = z.infer<typeof fgsmResultSchema>;

/** One attack swept over its budgets (attack-sweep.ts). */
export const attackSweepSchema = z.object({
  attack: z.enum(['pgd', 'sparse', 'square', 'transfer']),
  norm: z.enum(['Linf', 'L2', 'L0']),
  unit: z.string(),
  targeted: z.boolean(),
  target: z.string().optional(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  n: z.number(),
  cleanAccuracy: z.number(),
  points: z.array(
    z.object({
      epsilon: z.number(),
      accuracy: z.number(),
      attackSuccessRate: z.number().nullable(),
      targetSuccessRate: z.number().nullable().optional(),
    }),
  ),
});
export type StoredAttackSweep = z.infer<typeof attackSweepSchema>;

/** The stored `pgd`, `sparse` and `square` results (attack-suites.ts): one sweep per norm or target. */
export const sweepsResultSchema = z.object({ sweeps: z.array(attackSweepSchema) });
export type StoredSweepsResult = z.infer<typeof sweepsResultSchema>;

/** The stored `transfer` result (transfer-attack.ts). */
export const transferResultSchema = z.object({
  sourceModelId: z.string(),
  /** Where the examples were crafted: the model's parent, or a surrogate named with --surrogate. */
  sourceRole: z.enum(['parent', 'surrogate']).optional(),
  transfer: attackSweepSchema,
  /** PGD on the model's own gradients; null for a model without gradients (run by ONNX Runtime). */
  whiteBox: attackSweepSchema.nullable(),
  whiteBoxNotRun: z.string().optional(),
  gradientMaskingSuspected: z.boolean(),
  maskedAt: z.array(z.number()),
});
export type StoredTransferResult = z.infer<typeof transferResultSchema>;
