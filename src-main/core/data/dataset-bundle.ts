import type { Workspace } from '../store/workspace.js';
import { getDataset, type DatasetRow } from '../store/datasets.js';
import { decodeTensorBundle } from '../store/tensor-bundle.js';
import { AttestError, badInput } from '../errors.js';

/** A stored dataset's bundle, opened after checking that the dataset is of the kind the caller reads. */
export interface OpenedDatasetBundle {
  row: DatasetRow;
  meta: Record<string, unknown>;
  /** A named array of the bundle; a missing one is an internal error (the importer always writes them). */
  array<T>(name: string): T;
  /** Whether the bundle has an optional array. */
  has(name: string): boolean;
}

/** Opens dataset `datasetId` when its kind is `kind`; `description` names the kind in the error for another. */
export function openDatasetBundle(
  workspace: Workspace,
  datasetId: string,
  kind: string,
  description: string,
): OpenedDatasetBundle {
  const row = getDataset(workspace.db, datasetId);
  if (row.kind !== kind) throw badInput(`dataset ${datasetId} is ${row.kind}, not ${description}`);
  const bundle = decodeTensorBundle(workspace.artifacts.get(row.dataSha256), `dataset ${datasetId}`);
  return {
    row,
    meta: bundle.meta,
    array<T>(name: string): T {
      const value = bundle.arrays.get(name);
      if (value === undefined)
        throw new AttestError('INTERNAL', `dataset ${datasetId} bundle lacks "${name}"`);
      return value as T;
    },
    has: (name) => bundle.arrays.has(name),
  };
}
