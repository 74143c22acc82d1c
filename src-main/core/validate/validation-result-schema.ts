import { z } from 'zod';
import { currentSuiteName, type SuiteName } from './validate-options.js';
import { calibrationResultSchema, cleanResultSchema } from './clean-suites-schema.js';
import { fgsmResultSchema, sweepsResultSchema, transferResultSchema } from './attack-suites-schema.js';
import { noiseStressResultSchema } from './noise-stress-schema.js';
import { corruptionsResultSchema } from './corruptions-suite-schema.js';
import { mutationDetectionResultSchema } from './mutation-detection-schema.js';
import { membershipResultSchema } from './membership-suite-schema.js';
import { disagreementResultSchema } from './disagreement-suite-schema.js';
import { attributionResultSchema } from './attribution-suite-schema.js';
import { findingSchema, policyResultSchema } from './findings-schema.js';

/** The schema of each suite's stored result, under the suite's name (as validate-model.ts stores it). */
export const SUITE_RESULT_SCHEMAS = {
  clean: cleanResultSchema,
  calibration: calibrationResultSchema,
  fgsm: fgsmResultSchema,
  noise: noiseStressResultSchema,
  pgd: sweepsResultSchema,
  sparse: sweepsResultSchema,
  square: sweepsResultSchema,
  transfer: transferResultSchema,
  disagreement: disagreementResultSchema,
  membership: membershipResultSchema,
  'mutation-detection': mutationDetectionResultSchema,
  corruptions: corruptionsResultSchema,
  attribution: attributionResultSchema,
} satisfies Record<SuiteName, z.ZodType>;

/** The schema of a stored suite, under its current or a former name (LEGACY_SUITE_NAMES). */
export function suiteResultSchema(stored: string): z.ZodType | undefined {
  return (SUITE_RESULT_SCHEMAS as Record<string, z.ZodType>)[currentSuiteName(stored)];
}

const suiteReasonSchema = z.object({ suite: z.string(), reason: z.string() });

/** What validate-model.ts stores besides the suites' results (the findings and the policy verdict included). */
export const validationFramingSchema = z.object({
  modelId: z.string(),
  datasetId: z.string(),
  split: z.string(),
  n: z.number(),
  backend: z.string(),
  /** Suites asked for that this model cannot run (no gradients, no training record), with the reason. */
  suitesNotRun: z.array(suiteReasonSchema).optional(),
  /** Suites that failed while the others ran, with the reason. */
  failedSuites: z.array(suiteReasonSchema).optional(),
  inputNote: z.string().optional(),
  /** Which runtime computed the forward-only suites, and why (forward-runtime.ts). */
  forwardRuntime: z
    .object({
      runtime: z.enum(['tfjs', 'onnxruntime']),
      why: z.string(),
      probe: z
        .object({
          samples: z.number(),
          tfjsSamplesPerS: z.number(),
          onnxRuntimeSamplesPerS: z.number(),
          maxAbsDifference: z.number(),
        })
        .optional(),
    })
    .optional(),
  findings: z.array(findingSchema).optional(),
  policy: policyResultSchema.optional(),
});

/** A suite's part for reading: one whose stored form this version does not know is left out, not fatal. */
const readable = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/**
 * A stored validation result, for its readers (the contract, the report, the UI): every suite is optional (a
 * validation runs the suites asked for; older ones lack newer suites), and a suite stored in a shape this
 * version cannot read is left out as if it had not run, so that one old part does not hide the rest. Keys it
 * does not know are kept. The test of stored results parses each part strictly with SUITE_RESULT_SCHEMAS.
 */
export const validationResultSchema = z.looseObject({
  ...validationFramingSchema.partial().shape,
  findings: readable(z.array(findingSchema)),
  policy: readable(policyResultSchema),
  clean: readable(cleanResultSchema),
  calibration: readable(calibrationResultSchema),
  fgsm: readable(fgsmResultSchema),
  noise: readable(noiseStressResultSchema),
  pgd: readable(sweepsResultSchema),
  sparse: readable(sweepsResultSchema),
  square: readable(sweepsResultSchema),
  transfer: readable(transferResultSchema),
  disagreement: readable(disagreementResultSchema),
  membership: readable(membershipResultSchema),
  'mutation-detection': readable(mutationDetectionResultSchema),
  /** The same suite as stored before its rename (see LEGACY_SUITE_NAMES). */
  detection: readable(mutationDetectionResultSchema),
  corruptions: readable(corruptionsResultSchema),
  attribution: readable(attributionResultSchema),
});
export type StoredValidationResult = z.infer<typeof validationResultSchema>;
