import { readdirSync } from 'node:fs';
import type { Workspace } from '../../core/store/workspace.js';
import { badInput } from '../../core/errors.js';
import { datasetGroups, listDatasets } from '../../core/store/datasets.js';
import { listModels } from '../../core/store/models.js';
import { listMeasurements } from '../../core/store/model-measurements.js';
import { validationsOfModel } from '../../core/store/validations.js';
import { loadDataset } from '../../core/data/dataset-kinds.js';
import { engineInfo } from '../../core/engine/backend.js';
import { ARCHITECTURES, isOffered } from '../../core/models/registry.js';
import { datasetInputOf, recommendArchitecture } from '../../core/models/recommended-architecture.js';
import { SUITES } from '../../core/pipelines/validate/validate-model.js';
import { importedModelStatus } from '../../core/validate/model-suite-status.js';
import { datasetProjectMap, modelProjectMap } from '../../core/projects/project-membership.js';
import { DEFAULT_PROJECT_ID } from '../../core/projects/projects.js';
import { resourcePath } from '../../core/util/resources.js';
import { ATTEST_VERSION } from '../../core/util/version.js';

/** The bundled MIT-BIH sample records (their names without `.hea`), or none when the resources are absent. */
export function sampleRecords(): string[] {
  try {
    return readdirSync(resourcePath('mitdb'))
      .filter((f) => f.endsWith('.hea'))
      .map((f) => f.slice(0, -4))
      .sort();
  } catch {
    return [];
  }
}

function latestMeasurement(workspace: Workspace, modelId: string) {
  const rows = listMeasurements(workspace.db, modelId).sort((a, b) =>
    b.measuredAt.localeCompare(a.measuredAt),
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    backend: row.backend,
    sizeBytes: row.sizeBytes,
    gzipBytes: row.gzipBytes,
    flops: row.flops,
    sparseFlops: row.sparseFlops,
    latencyMs: row.latencyMs,
    batchedMsPerSample: row.batchedMsPerSample,
    runs: row.runs,
    measuredAt: row.measuredAt,
  };
}

function currentBackend(): string | null {
  try {
    return engineInfo().backend;
  } catch {
    return null;
  }
}

/** The architecture recommended for a dataset, or null when Attest offers none for its kind. */
function recommendedFor(row: {
  kind: string;
  summary: Record<string, unknown>;
}): { arch: string; reason: string } | null {
  try {
    return recommendArchitecture(datasetInputOf(row));
  } catch {
    return null;
  }
}

/** The catalogue actions: what the engine offers and the stored datasets, models and validations. */
export function catalogHandlers(workspace: Workspace) {
  return {
    'engine.info': () => ({
      version: ATTEST_VERSION,
      backend: currentBackend(),
      home: workspace.home,
      sampleRecords: sampleRecords(),
      // Only the architectures offered: one that does not learn from scratch is not put before a user.
      architectures: Object.entries(ARCHITECTURES)
        .filter(([, a]) => isOffered(a))
        .map(([name, a]) => ({
          name,
          description: a.description,
          inputKinds: a.inputKinds,
        })),
      suites: [...SUITES],
    }),
    'datasets.list': () => {
      const projects = datasetProjectMap(workspace.db);
      return {
        datasets: listDatasets(workspace.db).map((d) => ({
          id: d.id,
          name: d.name,
          kind: d.kind,
          projectId: projects.get(d.id) ?? DEFAULT_PROJECT_ID,
          createdAt: d.createdAt,
          summary: d.summary,
          groups: datasetGroups(workspace.db, d.id),
          recommendedArch: recommendedFor(d),
        })),
      };
    },
    'models.list': () => {
      const projects = modelProjectMap(workspace.db);
      return {
        models: listModels(workspace.db).map((m) => ({
          projectId: projects.get(m.id) ?? DEFAULT_PROJECT_ID,
          measurement: latestMeasurement(workspace, m.id),
          id: m.id,
          name: m.name,
          arch: m.arch,
          datasetId: m.datasetId,
          parentId: m.parentId,
          recipe: m.recipe,
          sizeBytes: m.sizeBytes,
          params: m.params,
          nonzeroParams: m.nonzeroParams,
          backend: m.backend,
          createdAt: m.createdAt,
          summary: m.summary,
          imported: importedModelStatus(m) ?? null,
        })),
      };
    },
    'datasets.samples': (payload: { datasetId: string; indices: number[] }) => {
      const dataset = loadDataset(workspace, payload.datasetId);
      const bad = payload.indices.find((i) => i >= dataset.count);
      if (bad !== undefined)
        throw badInput(`dataset ${dataset.id} has ${dataset.count} samples; there is no sample ${bad}`);
      const size = dataset.sampleShape.reduce((a, b) => a * b, 1);
      const inputs = dataset.inputs(payload.indices);
      return {
        sampleShape: dataset.sampleShape,
        classes: dataset.classes,
        samples: payload.indices.map((index, k) => ({
          index,
          label: dataset.classes[dataset.labels[index] ?? 0] ?? '?',
          group: dataset.groups[dataset.group[index] ?? 0] ?? '?',
          // Rounded: a strip or a thumbnail needs no more, and the answer stays small.
          values: Array.from(inputs.subarray(k * size, (k + 1) * size), (v) => Math.round(v * 1000) / 1000),
        })),
      };
    },
    'validations.list': (payload: { modelId?: string }) => {
      const models =
        payload.modelId !== undefined ? [payload.modelId] : listModels(workspace.db).map((m) => m.id);
      return { validations: models.flatMap((id) => validationsOfModel(workspace.db, id)) };
    },
  };
}
