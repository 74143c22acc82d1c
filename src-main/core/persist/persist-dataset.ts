import type { Workspace } from '../store/workspace.js';
import { insertDataset, type DatasetGroup, type DatasetRow, type SourceFileRow } from '../store/datasets.js';
import { appendAuditEvent } from '../audit/log.js';

/** A dataset bundle already in the artifact store. */
export interface StoredBundle {
  sha256: string;
  /** Whether this import wrote the file: identical imports share one bundle, and only a new one may be removed. */
  createdNow: boolean;
}

/**
 * Stores an imported dataset (its row, hashed source files and groups) with its 'dataset.import' audit event in
 * one transaction, the bundle having been written first; if the transaction fails, a bundle this import wrote
 * is removed, so a refused import leaves nothing behind. The event names the importer, every source file with
 * its hash, and the bundle; `result` holds the headline counts.
 */
export function persistDataset(
  workspace: Workspace,
  bundle: StoredBundle,
  dataset: DatasetRow,
  sources: SourceFileRow[],
  groups: DatasetGroup[],
  result: Record<string, unknown>,
): void {
  try {
    workspace.db.transaction(() => {
      insertDataset(workspace.db, dataset, sources, groups);
      appendAuditEvent(workspace.db, {
        action: 'dataset.import',
        entityType: 'dataset',
        entityId: dataset.id,
        payload: {
          params: { ...dataset.params, name: dataset.name, importer: dataset.importerVersion },
          sources: sources.map((s) => ({ path: s.path, sha256: s.sha256, size: s.size })),
          outputs: [{ role: 'dataset-bundle', sha256: bundle.sha256 }],
          result,
        },
      });
    })();
  } catch (error) {
    if (bundle.createdNow) workspace.artifacts.remove(bundle.sha256);
    throw error;
  }
}
