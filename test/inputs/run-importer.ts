import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../../src-main/core/store/workspace.js';
import { importTimeseriesDataset } from '../../src-main/core/pipelines/import/import-timeseries-dataset.js';
import { importImageDataset } from '../../src-main/core/pipelines/import/import-image-dataset.js';
import { importDetectionDataset } from '../../src-main/core/pipelines/import/import-detection.js';
import { parseSplitSpec } from '../../src-main/core/data/ecg-splits.js';
import { quietContext } from '../../src-main/core/jobs/job-context.js';

export type Importer = 'npy' | 'csv' | 'npz' | 'voc' | 'detection' | 'images';

export interface ImportInputs {
  inputs: string[];
  /** npy: the labels file of each input. */
  labels?: string[];
}

/** Runs one importer in this process as the CLI would, on a workspace's real database and artifact store. */
export async function runImporter(
  workspace: Workspace,
  importer: Importer,
  o: ImportInputs,
): Promise<string> {
  const context = quietContext();
  switch (importer) {
    case 'npy':
    case 'csv':
      return importTimeseriesDataset(
        workspace,
        {
          inputs: o.inputs,
          name: importer,
          layout: 'beats',
          fs: 360,
          split: parseSplitSpec('beats:1:0.3'),
          ...(o.labels !== undefined ? { labels: o.labels } : {}),
        },
        context,
      ).datasetId;
    case 'npz':
    case 'voc':
    case 'images':
      return (
        await importImageDataset(
          workspace,
          { format: importer, inputs: o.inputs, name: importer, height: 8 },
          context,
        )
      ).datasetId;
    case 'detection':
      return (
        await importDetectionDataset(
          workspace,
          { inputs: o.inputs, name: importer, groupBy: 'image', maxSide: 64 },
          context,
        )
      ).datasetId;
  }
}

function filesUnder(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    n += statSync(path).isDirectory() ? filesUnder(path) : 1;
  }
  return n;
}

/** What an import leaves behind: dataset rows, audit events and files in the artifact store. */
export function storedState(workspace: Workspace): { datasets: number; events: number; artifacts: number } {
  const count = (table: string) =>
    (workspace.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    datasets: count('datasets'),
    events: count('audit_events'),
    artifacts: filesUnder(workspace.artifacts.dir),
  };
}
