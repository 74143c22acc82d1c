import { readdirSync } from 'node:fs';
import {
  ACTIONS,
  describeIssues,
  fail,
  isActionName,
  ok,
  type ActionName,
  type ActionResponse,
  type EngineEvent,
  type Result,
} from '../../contract/index.js';
import { AttestError, badInput, type ErrorCode } from '../../core/errors.js';
import type { Workspace } from '../../core/store/workspace.js';
import { datasetGroups, listDatasets } from '../../core/store/datasets.js';
import { listModels } from '../../core/store/models.js';
import { listMeasurements } from '../../core/store/model-measurements.js';
import { loadDataset } from '../../core/data/dataset-kinds.js';
import { validationsOfModel } from '../../core/store/validations.js';
import { listAuditEvents } from '../../core/audit/log.js';
import { verifyAuditTrail } from '../../core/audit/verify.js';
import { engineInfo } from '../../core/engine/backend.js';
import { ARCHITECTURES } from '../../core/models/registry.js';
import { SUITES } from '../../core/validate/validate-model.js';
import { resourcePath } from '../../core/util/resources.js';
import { ATTEST_VERSION } from '../../cli/help.js';
import { JobQueue } from './job-queue.js';
import { jobTitle, runJobSpec } from './job-runners.js';
import { listExports } from './exports.js';
import { checkpointedEpochs } from './training-epochs.js';

type Handlers = { [A in ActionName]: (payload: never) => ActionResponse<A> | Promise<ActionResponse<A>> };

/** What each finished job kind changed in the store, so that the UI refreshes only those lists. */
const CHANGES: Record<string, ('datasets' | 'models' | 'validations' | 'audit')[]> = {
  'import-wfdb': ['datasets', 'audit'],
  'import-synthetic': ['datasets', 'audit'],
  train: ['models', 'audit'],
  compress: ['models', 'audit'],
  validate: ['validations', 'audit'],
  report: ['audit'],
  measure: ['models', 'audit'],
};

function sampleRecords(): string[] {
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

/**
 * The engine behind every front door: one workspace, one job queue, and `dispatch`, which refuses unknown
 * actions, parses every payload against the contract and returns errors as data.
 */
export class Engine {
  readonly queue: JobQueue;
  private readonly handlers: Handlers;

  constructor(
    readonly workspace: Workspace,
    private readonly emit: (event: EngineEvent) => void,
  ) {
    let lastEpoch = 0;
    let runningId = '';
    const currentJobId = () => runningId;
    this.queue = new JobQueue(
      async (spec, context) => {
        lastEpoch = 0;
        const watched = {
          ...context,
          log: (message: string) => {
            context.log(message);
            if (spec.kind !== 'train' && spec.kind !== 'compress') return;
            for (const point of checkpointedEpochs(workspace.db, lastEpoch)) {
              lastEpoch = point.epoch;
              this.emit({ type: 'job.epoch', jobId: currentJobId(), ...point });
            }
          },
        };
        return runJobSpec(workspace, spec, watched);
      },
      (event) => {
        if (event.type === 'job' && event.job.state === 'running') runningId = event.job.id;
        this.emit(event);
        if (event.type === 'job' && event.job.state === 'succeeded') {
          for (const what of CHANGES[event.job.kind] ?? []) this.emit({ type: 'store.changed', what });
        }
      },
    );
    this.handlers = {
      'engine.info': () => ({
        version: ATTEST_VERSION,
        backend: currentBackend(),
        home: workspace.home,
        sampleRecords: sampleRecords(),
        architectures: Object.keys(ARCHITECTURES),
        suites: [...SUITES],
      }),
      'datasets.list': () => ({
        datasets: listDatasets(workspace.db).map((d) => ({
          id: d.id,
          name: d.name,
          kind: d.kind,
          createdAt: d.createdAt,
          summary: d.summary,
          groups: datasetGroups(workspace.db, d.id),
        })),
      }),
      'models.list': () => ({
        models: listModels(workspace.db).map((m) => ({
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
        })),
      }),
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
      'audit.log': () => ({
        events: listAuditEvents(workspace.db).map((e) => ({
          seq: e.seq,
          id: e.id,
          at: e.at,
          actor: e.actor,
          action: e.action,
          entityType: e.entityType,
          entityId: e.entityId,
          hash: e.hash,
        })),
      }),
      'audit.verify': () => {
        const v = verifyAuditTrail(workspace);
        return {
          ok: v.ok,
          events: v.events,
          head: v.head,
          artifactsChecked: v.artifactsChecked,
          problems: v.problems.map((p) => ({
            kind: p.kind,
            message: p.message,
            ...(p.seq !== undefined ? { seq: p.seq } : {}),
          })),
        };
      },
      'exports.list': () => ({ exports: listExports(workspace) }),
      'jobs.list': () => ({ jobs: this.queue.list() }),
      'jobs.start': (spec: Parameters<typeof jobTitle>[0]) => ({
        job: this.queue.enqueue(spec, jobTitle(spec)),
      }),
      'jobs.cancel': (payload: { jobId: string }) => ({ cancelled: this.queue.cancel(payload.jobId) }),
    };
  }

  async dispatch(action: string, payload: unknown): Promise<Result<unknown>> {
    if (!isActionName(action)) return fail('BAD_INPUT', `unknown action "${action.slice(0, 100)}"`);
    const parsed = ACTIONS[action].request.safeParse(payload ?? {});
    if (!parsed.success) return fail('BAD_INPUT', `${action}: ${describeIssues(parsed.error)}`);
    try {
      const handler = this.handlers[action] as (payload: unknown) => unknown;
      return ok(await handler(parsed.data));
    } catch (error) {
      const code: ErrorCode = error instanceof AttestError ? error.code : 'INTERNAL';
      return fail(code, error instanceof Error ? error.message : String(error));
    }
  }
}
