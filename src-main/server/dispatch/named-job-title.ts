import { jobSpecSchema, type JobSpec } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { listDatasets } from '../../core/store/datasets.js';
import { listModels } from '../../core/store/models.js';
import { jobTitle } from './job-runners.js';

/**
 * A job's title as people read it: the models and datasets it names by their names ("Validate "ecg-resnet on
 * mitdb" on "mitdb"") rather than by ids, which mean nothing in the job list. The id stays in the job's record.
 */
export function namedJobTitle(workspace: Workspace, spec: JobSpec): string {
  return withNames(jobTitle(spec), storeNames(workspace));
}

function storeNames(workspace: Workspace): Map<string, string> {
  return new Map<string, string>([
    ...listModels(workspace.db).map((m) => [m.id, m.name] as const),
    ...listDatasets(workspace.db).map((d) => [d.id, d.name] as const),
  ]);
}

function withNames(text: string, names: Map<string, string>): string {
  let title = text;
  // Longest ids first, so that an id that is a prefix of another is never replaced inside it.
  const ids = [...names.keys()].filter((id) => title.includes(id)).sort((a, b) => b.length - a.length);
  for (const id of ids) title = title.split(id).join(`“${names.get(id) ?? id}”`);
  return title;
}

/**
 * Titles for the stored job history, whose rows keep a job's kind and parameters: the title a job of that spec
 * gets when it is started, or, for work recorded by the command line under its own kind, the kind with the
 * model and dataset it worked on, by name.
 */
export function historyJobTitles(
  workspace: Workspace,
): (kind: string, params: Record<string, unknown>) => string {
  const names = storeNames(workspace);
  return (kind, params) => {
    const spec = jobSpecSchema.safeParse({ ...params, kind });
    if (spec.success) {
      try {
        return withNames(jobTitle(spec.data), names);
      } catch {
        // A spec this version cannot title: the fallback below.
      }
    }
    const named = (key: string): string | undefined => {
      const id = params[key];
      return typeof id === 'string' ? `“${names.get(id) ?? id}”` : undefined;
    };
    const what = [named('modelId'), named('datasetId')].filter((n) => n !== undefined).join(' on ');
    const words = kind.replace(/-/g, ' ');
    return `${words.charAt(0).toUpperCase()}${words.slice(1)}${what !== '' ? ` ${what}` : ''}`;
  };
}
