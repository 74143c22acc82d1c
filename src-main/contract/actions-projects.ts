import { z } from 'zod';
import { jobSpecSchema, jobViewSchema } from './jobs.js';

const id = z.string().min(1).max(100);
/** Checked again by the core (trimmed, no control characters). */
const projectName = z.string().trim().min(1).max(100);

const projectSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });

const projectListSchema = z.object({
  projects: z.array(
    projectSchema.extend({
      /** The project of every record that was never put in another one. */
      isDefault: z.boolean(),
      datasets: z.number(),
      models: z.number(),
    }),
  ),
});
export type ProjectView = z.infer<typeof projectListSchema>['projects'][number];

export const projectActions = {
  'projects.list': { request: z.strictObject({}), response: projectListSchema },
  /** Audited; a name is unique whatever its case. */
  'projects.create': {
    request: z.strictObject({ name: projectName }),
    response: z.object({ project: projectSchema }),
  },
  'projects.rename': {
    request: z.strictObject({ projectId: id, name: projectName }),
    response: z.object({ project: projectSchema }),
  },
  /** Moves a dataset or a model into a project (audited, naming the project it leaves). */
  'projects.assign': {
    request: z.strictObject({
      projectId: id,
      entityType: z.enum(['dataset', 'model']),
      entityId: id,
    }),
    response: z.object({ changed: z.boolean(), from: z.string() }),
  },
  /** Starts a job whose new dataset (an import) or model goes into the project, as `--project` does on the CLI. */
  'projects.startJob': {
    request: z.strictObject({ projectId: id, spec: jobSpecSchema }),
    response: z.object({ job: jobViewSchema }),
  },
} as const;
