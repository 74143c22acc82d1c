import type { Db } from '../store/database.js';
import { AttestError } from '../errors.js';
import { projectOf } from './project-membership.js';

/**
 * A job started inside a project works on that project's records only: a dataset or model of another project
 * named in its settings is refused (FORBIDDEN), so that a project's results never silently draw on records a
 * reader of that project does not see. Records that do not exist are left to the job to report.
 */
export function checkRecordsInProject(db: Db, projectId: string, spec: Record<string, unknown>): void {
  const named: ['dataset' | 'model', unknown][] = [
    ['dataset', spec['datasetId']],
    ['model', spec['modelId']],
    ['model', spec['referenceModelId']],
  ];
  for (const [type, id] of named) {
    if (typeof id !== 'string') continue;
    const owner = projectOf(db, type, id);
    if (owner !== undefined && owner !== projectId)
      throw new AttestError(
        'FORBIDDEN',
        `the ${type} ${id} belongs to another project (${owner}): a job in project ${projectId} uses that project's records only`,
      );
  }
}
