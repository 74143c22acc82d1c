import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSpec } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import type { JobContext } from '../../core/jobs/job-context.js';
import { importWfdbDataset } from '../../core/pipelines/import/import-wfdb-dataset.js';
import { importEdfDataset } from '../../core/pipelines/import/import-edf-dataset.js';
import { importTimeseriesDataset } from '../../core/pipelines/import/import-timeseries-dataset.js';
import { importSyntheticEcgDataset } from '../../core/pipelines/import/import-synthetic-ecg.js';
import { parseSplitSpec } from '../../core/data/ecg-splits.js';
import { initEngine } from '../../core/engine/backend.js';
import { trainModel } from '../../core/pipelines/train/train-model.js';
import { resumeTraining } from '../../core/pipelines/train/resume-job.js';
import { compressModel } from '../../core/pipelines/compress/compress-model.js';
import { validateModel } from '../../core/pipelines/validate/validate-model.js';
import { measureStoredModel } from '../../core/pipelines/compress/measure-stored.js';
import { exportAuditBundle } from '../../core/pipelines/export/audit-bundle-documents.js';
import { exportModelReport } from '../../core/pipelines/export/export-report.js';
import { exportModelReportPdf } from '../../core/pipelines/export/export-report-pdf.js';
import { exportStoredModel } from '../../core/pipelines/export/export-stored-model.js';
import { resourcePath } from '../../core/util/resources.js';
import { exportsDir } from './exports.js';
import { isMethodJob } from '../../contract/jobs-methods.js';
import { methodJobTitle, runMethodJob } from './method-job-runners.js';
import { isImageJob } from '../../contract/jobs-images.js';
import { isProjectJob } from '../../contract/jobs-projects.js';
import { imageJobTitle, runImageJob } from './image-job-runners.js';
import { isDetectionJob } from '../../contract/jobs-detection.js';
import { detectionJobTitle, runDetectionJob } from './detection-job-runners.js';
import { isModelJob } from '../../contract/jobs-models.js';
import { modelJobTitle, runModelJob } from './model-job-runners.js';

/** A short title for the job list, in the words a user would use. */
export function jobTitle(spec: JobSpec): string {
  if (isMethodJob(spec)) return methodJobTitle(spec);
  if (isImageJob(spec) || isProjectJob(spec)) return imageJobTitle(spec);
  if (isDetectionJob(spec)) return detectionJobTitle(spec);
  if (isModelJob(spec)) return modelJobTitle(spec);
  switch (spec.kind) {
    case 'import-wfdb':
      return `Import ECG records as "${spec.name}"`;
    case 'import-edf':
      return `Import EDF recordings as "${spec.name}"`;
    case 'import-timeseries':
      return `Import ${spec.paths.length} time-series file${spec.paths.length === 1 ? '' : 's'} as "${spec.name}"`;
    case 'import-synthetic':
      return `Generate ${spec.records} synthetic ECG patients as "${spec.name}"`;
    case 'train':
      return `Train ${spec.arch} on ${spec.datasetId} (${spec.epochs} epoch${spec.epochs === 1 ? '' : 's'})`;
    case 'train-resume':
      return `Resume training job ${spec.jobId} from its last checkpoint`;
    case 'compress':
      return `Compress ${spec.modelId} with ${spec.recipe}`;
    case 'validate':
      return `Validate ${spec.modelId} on ${spec.datasetId} (${spec.suites.join(', ')})`;
    case 'report':
      return `Export the report of ${spec.modelId}`;
    case 'audit-bundle':
      return spec.modelId !== undefined
        ? `Export the audit bundle of ${spec.modelId}`
        : 'Export the audit bundle';
    case 'export-model':
      return `Export ${spec.modelId} in the TF.js layers format`;
    case 'measure':
      return `Measure ${spec.modelId}: size, FLOPs, latency`;
  }
}

/**
 * Calls the core for one job, exactly as the CLI commands do: the same functions, the same options, so that a
 * result from the UI is the result the command line would give.
 */
export async function runJobSpec(workspace: Workspace, spec: JobSpec, context: JobContext): Promise<unknown> {
  if (isMethodJob(spec)) return runMethodJob(workspace, spec, context);
  if (isImageJob(spec) || isProjectJob(spec)) return runImageJob(workspace, spec, context);
  if (isDetectionJob(spec)) return runDetectionJob(workspace, spec, context);
  if (isModelJob(spec)) return runModelJob(workspace, spec, context);
  switch (spec.kind) {
    case 'import-wfdb': {
      const inputs =
        spec.source.kind === 'sample'
          ? spec.source.records.map((record) => resourcePath('mitdb', record))
          : spec.source.paths;
      return importWfdbDataset(
        workspace,
        {
          inputs,
          name: spec.name,
          split: parseSplitSpec(spec.split),
          ...(spec.durationSeconds !== undefined ? { durationSeconds: spec.durationSeconds } : {}),
          ...(spec.preset !== undefined ? { preset: spec.preset } : {}),
        },
        context,
      );
    }
    case 'import-edf':
      return importEdfDataset(
        workspace,
        {
          inputs: spec.paths,
          name: spec.name,
          split: parseSplitSpec(spec.split),
          ...(spec.lead !== undefined ? { lead: spec.lead } : {}),
          ...(spec.beatsDir !== undefined ? { beatsDir: spec.beatsDir } : {}),
          ...(spec.preset !== undefined ? { preset: spec.preset } : {}),
        },
        context,
      );
    case 'import-timeseries': {
      const { kind: _kind, paths, split, ...rest } = spec;
      return importTimeseriesDataset(
        workspace,
        { inputs: paths, ...rest, ...(split !== undefined ? { split: parseSplitSpec(split) } : {}) },
        context,
      );
    }
    case 'import-synthetic':
      return importSyntheticEcgDataset(
        workspace,
        {
          name: spec.name,
          records: spec.records,
          seconds: spec.seconds,
          seed: spec.seed,
          split: parseSplitSpec(spec.split),
        },
        context,
      );
    case 'train': {
      await initEngine();
      const { kind: _kind, ...options } = spec;
      return trainModel(workspace, options, context);
    }
    case 'train-resume': {
      await initEngine();
      return resumeTraining(
        workspace,
        spec.jobId,
        spec.maxMinutes !== undefined ? { maxMinutes: spec.maxMinutes } : {},
        context,
      );
    }
    case 'compress': {
      await initEngine();
      const { kind: _kind, ...options } = spec;
      return compressModel(workspace, options, context);
    }
    case 'validate': {
      await initEngine();
      const { kind: _kind, ...options } = spec;
      return validateModel(workspace, options, context);
    }
    case 'audit-bundle': {
      const dir = exportsDir(workspace);
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = `audit-bundle-${spec.modelId ?? 'all'}-${stamp}.zip`;
      context.progress(0.1, 'writing reports, model cards and the evidence');
      const written = await exportAuditBundle(workspace, {
        out: join(dir, name),
        ...(spec.modelId !== undefined ? { modelIds: [spec.modelId] } : {}),
      });
      return {
        name,
        sha256: written.sha256,
        bytes: written.bytes,
        events: written.events,
        keyId: written.checkpoint.keyId,
      };
    }
    case 'export-model': {
      const dir = exportsDir(workspace);
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = `model-${spec.modelId}-${stamp}.zip`;
      context.progress(0.1, 'writing model.json and the weight shards');
      const written = exportStoredModel(workspace, spec.modelId, join(dir, name), spec.weights ?? 'stored');
      return { name, sha256: written.zip?.sha256, bytes: written.zip?.bytes, files: written.files };
    }
    case 'measure': {
      await initEngine();
      context.progress(0.05, 'timing the model');
      return measureStoredModel(workspace, spec.modelId, spec.runs !== undefined ? { runs: spec.runs } : {});
    }
    case 'report': {
      const dir = exportsDir(workspace);
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const pdf = spec.format === 'pdf';
      const name = `report-${spec.modelId}-${stamp}.${pdf ? 'pdf' : 'html'}`;
      context.progress(0.1, 'writing the report');
      const written = pdf
        ? await exportModelReportPdf(workspace, spec.modelId, join(dir, name))
        : exportModelReport(workspace, spec.modelId, join(dir, name));
      return { name, sha256: written.sha256, bytes: written.bytes };
    }
  }
}
