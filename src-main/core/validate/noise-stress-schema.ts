import { z } from 'zod';

const noisePointSchema = z.object({
  snrDb: z.number(),
  accuracy: z.number(),
  macroF1: z.number(),
  sensitivity: z.record(z.string(), z.number().nullable()),
});

/** The stored `noise` result: the ECG noise stress test (noise-stress.ts). */
export const noiseStressResultSchema = z.object({
  snrDefinition: z.string(),
  seed: z.number(),
  fs: z.number(),
  clean: noisePointSchema.omit({ snrDb: true }),
  noises: z.array(
    z.object({
      noise: z.string(),
      kind: z.enum(['additive', 'amplitude-scaling']).optional(),
      noiseRms: z.number(),
      noiseChunks: z.number(),
      points: z.array(noisePointSchema),
    }),
  ),
  records: z.array(
    z.object({
      record: z.number(),
      peakToPeak: z.number(),
      beatsMeasured: z.number(),
      measuredOn: z.enum(['reference beats', 'all beats']),
    }),
  ),
});
export type StoredNoiseStressResult = z.infer<typeof noiseStressResultSchema>;
