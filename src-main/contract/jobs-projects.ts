import { z } from 'zod';

const id = z.string().min(1).max(100);

/** Jobs over a whole project: the audit bundle of its models (reports, model cards) with all the evidence. */
export const projectJobSchemas = [
  z.strictObject({ kind: z.literal('audit-bundle-project'), projectId: id }),
] as const;

export type ProjectJobSpec = z.infer<(typeof projectJobSchemas)[number]>;
export const PROJECT_JOB_KINDS: readonly ProjectJobSpec['kind'][] = projectJobSchemas.map(
  (s) => s.shape.kind.value,
);

export function isProjectJob(spec: { kind: string }): spec is ProjectJobSpec {
  return (PROJECT_JOB_KINDS as readonly string[]).includes(spec.kind);
}
