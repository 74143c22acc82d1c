import { z } from 'zod';
import {
  bootstrapIntervalsSchema,
  classificationMetricsSchema,
  cleanIntervalsSchema,
  decisionRuleSchema,
  recordConfusionSchema,
  rocResultSchema,
  temperatureFitSchema,
} from './metrics-schema.js';

/**
 * The stored `clean` result (clean-suites.ts). The parts after the metrics came later: validations stored
 * before them lack them, so they are optional here (the producer always writes them).
 */
export const cleanResultSchema = classificationMetricsSchema.extend({
  decisionRule: decisionRuleSchema.optional(),
  temperature: temperatureFitSchema.optional(),
  roc: rocResultSchema.optional(),
  bootstrap: bootstrapIntervalsSchema.nullable().optional(),
  intervals: cleanIntervalsSchema.optional(),
  perRecord: z.array(recordConfusionSchema).optional(),
});
export type StoredCleanResult = z.infer<typeof cleanResultSchema>;

export const calibrationFiguresSchema = z.object({
  n: z.number(),
  ece: z.number(),
  mce: z.number(),
  nll: z.number(),
  brier: z.number(),
  bins: z.array(
    z.object({
      lower: z.number(),
      upper: z.number(),
      count: z.number(),
      confidence: z.number().nullable(),
      accuracy: z.number().nullable(),
    }),
  ),
});
export type StoredCalibrationFigures = z.infer<typeof calibrationFiguresSchema>;

/** The stored `calibration` result (clean-suites.ts). */
export const calibrationResultSchema = z.object({
  bins: z.number(),
  before: calibrationFiguresSchema,
  temperature: temperatureFitSchema.nullable(),
  after: calibrationFiguresSchema.nullable(),
});
export type StoredCalibrationResult = z.infer<typeof calibrationResultSchema>;
