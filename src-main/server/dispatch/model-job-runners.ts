import type { Workspace } from '../../core/store/workspace.js';
import type { JobContext } from '../../core/jobs/job-context.js';
import type { ModelJobSpec } from '../../contract/jobs-models.js';
import { initEngine } from '../../core/engine/backend.js';
import { importModelFile } from '../../core/pipelines/import/import-model-file.js';

export function modelJobTitle(spec: ModelJobSpec): string {
  return `Import model "${spec.name}"`;
}

/** The same call as `attest models import`, so that the UI and the command line store the same model. */
export async function runModelJob(
  workspace: Workspace,
  spec: ModelJobSpec,
  context: JobContext,
): Promise<unknown> {
  await initEngine();
  context.progress(0.1, 'reading the model file');
  const result = await importModelFile(workspace, spec.path, {
    name: spec.name,
    ...(spec.classes !== undefined ? { classes: spec.classes } : {}),
    ...(spec.layout !== undefined ? { layout: spec.layout } : {}),
    ...(spec.preset !== undefined ? { preset: spec.preset } : {}),
    ...(spec.valueRange !== undefined ? { valueRange: spec.valueRange } : {}),
    ...(spec.normalize !== undefined ? { normalize: spec.normalize } : {}),
  });
  context.progress(1, 'imported');
  return result;
}
