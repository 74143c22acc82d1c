import { z } from 'zod';

/** The stored `corruptions` result: accuracy under image corruptions by severity (corruptions-suite.ts). */
export const corruptionsResultSchema = z.object({
  n: z.number(),
  cleanAccuracy: z.number(),
  parentId: z.string().nullable(),
  parentCleanAccuracy: z.number().nullable(),
  corruptions: z.array(
    z.object({
      corruption: z.string(),
      name: z.string(),
      points: z.array(
        z.object({ severity: z.number(), accuracy: z.number(), parentAccuracy: z.number().nullable() }),
      ),
      meanAccuracy: z.number(),
      corruptionError: z.number().nullable(),
      relativeCorruptionError: z.number().nullable(),
    }),
  ),
  meanCorruptionAccuracy: z.number(),
  mCE: z.number().nullable(),
  relativeMCE: z.number().nullable(),
});
export type StoredCorruptionsResult = z.infer<typeof corruptionsResultSchema>;
