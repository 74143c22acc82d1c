import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageJobSpec, ProjectJobSpec } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import type { JobContext } from '../../core/jobs/job-context.js';
import { importImageDataset } from '../../core/pipelines/import/import-image-dataset.js';
import { parseImageSplit } from '../../core/data/images/image-splits.js';
import {
  writeSyntheticInsulators,
  writeSyntheticMammograms,
} from '../../core/data/images/write-synthetic.js';
import { exportAuditBundle } from '../../core/pipelines/export/audit-bundle-documents.js';
import { getProject } from '../../core/projects/projects.js';
import { projectModelIds } from '../../core/projects/project-membership.js';
import { exportsDir } from './exports.js';

/** Where the UI's generators write: a folder of the home, named by the request (one name, never a path). */
export function generatedDir(workspace: Workspace, folder: string): string {
  return join(workspace.home, 'generated', folder);
}

export function imageJobTitle(spec: ImageJobSpec | ProjectJobSpec): string {
  switch (spec.kind) {
    case 'import-images':
      return `Import ${spec.format === 'images' ? 'images' : spec.format === 'dicom' ? 'DICOM images' : spec.format === 'voc' ? 'VOC boxes' : 'an .npz archive'} as "${spec.name}"`;
    case 'generate-images':
      return spec.generator === 'mammograms'
        ? `Generate synthetic mammograms in "${spec.folder}"`
        : `Generate synthetic insulator scenes in "${spec.folder}"`;
    case 'audit-bundle-project':
      return `Export the audit bundle of project ${spec.projectId}`;
  }
}

/** The same core calls as `attest import images|dicom|voc|npz`, `attest generate` and a project's bundle. */
export async function runImageJob(
  workspace: Workspace,
  spec: ImageJobSpec | ProjectJobSpec,
  context: JobContext,
): Promise<unknown> {
  switch (spec.kind) {
    case 'import-images': {
      const windowed = spec.format === 'images' || spec.format === 'dicom';
      return importImageDataset(
        workspace,
        {
          format: spec.format,
          inputs: spec.paths,
          name: spec.name,
          ...(spec.csv !== undefined ? { csv: spec.csv } : {}),
          ...(spec.size !== undefined ? { height: spec.size, width: spec.size } : {}),
          ...(spec.fit !== undefined ? { fit: spec.fit } : {}),
          ...(spec.channels !== undefined ? { channels: spec.channels } : {}),
          ...(spec.normalization !== undefined ? { normalization: spec.normalization } : {}),
          ...(spec.split !== undefined ? { split: parseImageSplit(spec.split) } : {}),
          ...(windowed && spec.window !== undefined ? { window: spec.window } : {}),
          ...(spec.format === 'voc' && spec.groupBy !== undefined ? { groupBy: spec.groupBy } : {}),
          skipBad: spec.skipBad === true,
          ...(spec.classNames !== undefined ? { classNames: spec.classNames } : {}),
        },
        context,
      );
    }
    case 'generate-images': {
      const out = generatedDir(workspace, spec.folder);
      mkdirSync(join(workspace.home, 'generated'), { recursive: true });
      context.progress(0.05, `writing into ${out}`);
      if (spec.generator === 'mammograms') {
        const format = spec.format ?? 'dicom';
        const written = await writeSyntheticMammograms({
          out,
          patients: spec.patients ?? 12,
          imagesPerPatient: spec.perPatient ?? 4,
          size: spec.size ?? 64,
          seed: spec.seed ?? 1,
          format,
        });
        // How the wizard imports what was written: DICOM by class folder (patients from the headers), PNG by CSV.
        return {
          ...written,
          importAs:
            format === 'dicom'
              ? { format: 'dicom', paths: [out] }
              : { format: 'images', paths: [], csv: written.csv },
        };
      }
      const written = await writeSyntheticInsulators({
        out,
        flights: spec.flights ?? 4,
        imagesPerFlight: spec.perFlight ?? 10,
        width: 128,
        height: 96,
        seed: spec.seed ?? 1,
      });
      return { ...written, importAs: { format: 'voc', paths: [out], groupBy: 'folder' } };
    }
    case 'audit-bundle-project': {
      const project = getProject(workspace.db, spec.projectId);
      const modelIds = projectModelIds(workspace.db, project.id);
      const dir = exportsDir(workspace);
      mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = `audit-bundle-${project.id}-${stamp}.zip`;
      context.progress(0.1, `writing reports and model cards of ${modelIds.length} models`);
      const written = await exportAuditBundle(workspace, { out: join(dir, name), modelIds });
      return {
        name,
        project: project.name,
        models: modelIds.length,
        sha256: written.sha256,
        bytes: written.bytes,
        events: written.events,
        keyId: written.checkpoint.keyId,
      };
    }
  }
}
