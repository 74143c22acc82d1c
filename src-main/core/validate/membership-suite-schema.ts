import { z } from 'zod';

const attackFiguresSchema = z.object({
  auc: z.number().nullable(),
  advantage: z.number(),
  tprAtFpr0001: z.number().nullable(),
  tprAtFpr001: z.number().nullable(),
});

const membershipFiguresSchema = z.object({
  modelId: z.string(),
  lossThreshold: attackFiguresSchema,
  lira: attackFiguresSchema.nullable(),
});
export type StoredMembershipQuestion = z.infer<typeof membershipQuestionSchema>;
export type StoredMembershipFigures = z.infer<typeof membershipFiguresSchema>;

const membershipQuestionSchema = z.object({
  question: z.enum(['sample', 'patient']),
  population: z.string(),
  members: z.number(),
  nonMembers: z.number(),
  samples: z.number(),
  model: membershipFiguresSchema,
  parent: membershipFiguresSchema.nullable(),
});
const unavailableSchema = z.object({ unavailable: z.string() });

/** The stored `membership` result: membership inference by loss threshold and LiRA (membership-suite.ts). */
export const membershipResultSchema = z.object({
  question: z.enum(['sample', 'patient']),
  population: z.string(),
  members: z.number(),
  nonMembers: z.number(),
  memberGroups: z.array(z.string()),
  shadows: z
    .object({
      count: z.number(),
      epochs: z.number(),
      arch: z.string(),
      outPerSample: z.number().optional(),
      secondsPerShadow: z.number().optional(),
      note: z.string().optional(),
    })
    .nullable(),
  model: membershipFiguresSchema,
  parent: membershipFiguresSchema.nullable(),
  /** Both questions: absent from validations stored before they were separated. */
  sampleLevel: z.union([membershipQuestionSchema, unavailableSchema]).optional(),
  patientLevel: z.union([membershipQuestionSchema, unavailableSchema]).optional(),
});
export type StoredMembershipResult = z.infer<typeof membershipResultSchema>;
