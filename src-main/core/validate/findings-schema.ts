import { z } from 'zod';
import { intervalSchema } from './metrics-schema.js';

/** One stored finding (findings.ts): a plain sentence with its severity. */
export const findingSchema = z.object({
  code: z.string(),
  severity: z.enum(['critical', 'warning', 'note']),
  message: z.string(),
  class: z.string().optional(),
});
export type StoredFinding = z.infer<typeof findingSchema>;

export const gateResultSchema = z.object({
  gate: z.string(),
  limit: z.number(),
  value: z.number().nullable(),
  pass: z.boolean(),
  /** Absent from validations stored before undecided gates: read as pass or fail. */
  status: z.enum(['pass', 'fail', 'undecided']).optional(),
  interval: intervalSchema.nullable().optional(),
  intervalMethod: z.string().optional(),
  detail: z.string(),
});
export type StoredGateResult = z.infer<typeof gateResultSchema>;

/** The stored policy verdict (policy.ts), with the file the policy was read from. */
export const policyResultSchema = z.object({
  file: z.string().optional(),
  name: z.string().nullable(),
  pass: z.boolean(),
  /** Absent from validations stored before the verdict: read from pass. */
  verdict: z.enum(['PASS', 'FAIL', 'NOT DECIDED']).optional(),
  gates: z.array(gateResultSchema),
});
export type StoredPolicyResult = z.infer<typeof policyResultSchema>;
