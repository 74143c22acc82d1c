import type { Command } from '../command.js';
import { listDatasets, datasetGroups } from '../../core/store/datasets.js';
import { listModels } from '../../core/store/models.js';
import { listMeasurements } from '../../core/store/model-measurements.js';
import { listJobs, markInterruptedJobs } from '../../core/store/jobs.js';

function table(rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

export const datasetsListCommand: Command = {
  path: ['datasets', 'list'],
  readOnly: true,
  usage: 'datasets list [--json]',
  summary: 'List imported datasets with their sample counts per split and class',
  async run({ options, out, workspace }) {
    options.rejectUnknown();
    const db = workspace().db;
    const datasets = listDatasets(db).map((d) => {
      const groups = datasetGroups(db, d.id);
      return { id: d.id, name: d.name, kind: d.kind, createdAt: d.createdAt, summary: d.summary, groups };
    });
    out.result({ datasets }, () =>
      table([
        ['ID', 'NAME', 'KIND', 'CREATED', 'SAMPLES'],
        ...datasets.map((d) => [
          d.id,
          d.name,
          d.kind,
          d.createdAt,
          String(d.groups.reduce((s, g) => s + g.samples, 0)),
        ]),
      ]),
    );
  },
};

export const modelsListCommand: Command = {
  path: ['models', 'list'],
  readOnly: true,
  usage: 'models list [--json]',
  summary: 'List models with their parent, recipe, size and parameter counts',
  async run({ options, out, workspace }) {
    options.rejectUnknown();
    const db = workspace().db;
    // Measured figures (attest models measure, attest compress), latest first, on every backend measured.
    const measured = listMeasurements(db);
    const models = listModels(db).map(({ config: _config, ...m }) => ({
      ...m,
      measurements: measured.filter((row) => row.modelId === m.id),
    }));
    out.result({ models }, () =>
      table([
        ['ID', 'NAME', 'ARCH', 'PARENT', 'RECIPE', 'BYTES', 'GZIP', 'PARAMS', 'NONZERO', 'MFLOPS', 'LATENCY'],
        ...models.map((m) => {
          const latest = m.measurements[0];
          return [
            m.id,
            m.name,
            m.arch,
            m.parentId ?? '-',
            m.recipe ?? '-',
            String(m.sizeBytes),
            latest ? String(latest.gzipBytes) : '-',
            String(m.params),
            String(m.nonzeroParams),
            latest ? (latest.flops / 1e6).toFixed(2) : '-',
            latest ? `${latest.latencyMs.toFixed(3)} ms (${latest.backend})` : '-',
          ];
        }),
      ]),
    );
  },
};

export const jobsListCommand: Command = {
  path: ['jobs', 'list'],
  readOnly: true,
  usage: 'jobs list [--json]',
  summary: 'List jobs (import, train, compress, validate) with their status',
  async run({ options, out, workspace }) {
    options.rejectUnknown();
    const db = workspace().db;
    markInterruptedJobs(db);
    const jobs = listJobs(db);
    out.result({ jobs }, () =>
      table([
        ['ID', 'KIND', 'STATUS', 'PROGRESS', 'MESSAGE'],
        ...jobs.map((j) => [j.id, j.kind, j.status, `${Math.round(j.progress * 100)}%`, j.message ?? '']),
      ]),
    );
  },
};
