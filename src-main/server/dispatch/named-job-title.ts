import type { JobSpec } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { listDatasets } from '../../core/store/datasets.js';
import { listModels } from '../../core/store/models.js';
import { jobTitle } from './job-runners.js';

/**
 * A job's title as people read it: the models and datasets it names by their names ("Validate "ecg-resnet on
 * mitdb" on "mitdb"") rather than by ids, which mean nothing in the job list. The id stays in the job's record.
 */
export function namedJobTitle(workspace: Workspace, spec: JobSpec): string {
  let title = jobTitle(spec);
  const names = new Map<string, string>([
    ...listModels(workspace.db).map((m) => [m.id, m.name] as const),
    ...listDatasets(workspace.db).map((d) => [d.id, d.name] as const),
  ]);
  // Longest ids first, so that an id that is a prefix of another is never replaced inside it.
  const ids = [...names.keys()].filter((id) => title.includes(id)).sort((a, b) => b.length - a.length);
  for (const id of ids) title = title.split(id).join(`“${names.get(id) ?? id}”`);
  return title;
}
