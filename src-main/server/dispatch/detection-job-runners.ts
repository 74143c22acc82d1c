import type { DetectionJobSpec } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import type { JobContext } from '../../core/jobs/job-context.js';
import { initEngine } from '../../core/engine/backend.js';
import { importDetectionDataset } from '../../core/pipelines/import/import-detection.js';
import { trainDetector } from '../../core/pipelines/detect/train-detector.js';
import { evaluateDetector } from '../../core/pipelines/detect/evaluate-detector.js';
import { detectionLearningCurve } from '../../core/pipelines/detect/learning-curve.js';
import { compressDetector } from '../../core/pipelines/detect/compress-detector.js';
import { detectorCorruptionRobustness } from '../../core/pipelines/detect/corruption-robustness.js';
import { detectorPgd } from '../../core/pipelines/detect/pgd-detection.js';

export function detectionJobTitle(spec: DetectionJobSpec): string {
  switch (spec.kind) {
    case 'import-detection':
      return `Import frames with boxes as "${spec.name}"`;
    case 'detect-train':
      return `Train a detector on ${spec.datasetId} (${spec.epochs} epoch${spec.epochs === 1 ? '' : 's'})`;
    case 'detect-evaluate':
      return `Evaluate detector ${spec.modelId} on ${spec.datasetId}`;
    case 'detect-curve':
      return `Learning curve on ${spec.datasetId} (${spec.frames.join(', ')} frames)`;
    case 'detect-compress':
      return `Compress detector ${spec.modelId} with ${spec.recipe}`;
    case 'detect-robustness':
      return `Corruption robustness of detector ${spec.modelId}`;
    case 'detect-attack':
      return `PGD attack on detector ${spec.modelId}`;
  }
}

/** The same core calls, with the same options, as `attest import detection` and `attest detect ...`. */
export async function runDetectionJob(
  workspace: Workspace,
  spec: DetectionJobSpec,
  context: JobContext,
): Promise<unknown> {
  switch (spec.kind) {
    case 'import-detection':
      return importDetectionDataset(
        workspace,
        {
          inputs: spec.paths,
          name: spec.name,
          ...(spec.maxSide !== undefined ? { maxSide: spec.maxSide } : {}),
          ...(spec.groupBy !== undefined ? { groupBy: spec.groupBy } : {}),
          ...(spec.testFraction !== undefined
            ? { split: { seed: spec.splitSeed ?? 1, testFraction: spec.testFraction } }
            : {}),
          ...(spec.classNames !== undefined ? { classNames: spec.classNames } : {}),
        },
        context,
      );
    case 'detect-train': {
      await initEngine();
      const { kind: _kind, input, ...options } = spec;
      return trainDetector(
        workspace,
        { ...options, ...(input !== undefined ? { height: input, width: input } : {}) },
        context,
      );
    }
    case 'detect-evaluate': {
      await initEngine();
      const { kind: _kind, ...options } = spec;
      return evaluateDetector(workspace, options, context);
    }
    case 'detect-curve': {
      await initEngine();
      const { kind: _kind, input, seed, ...options } = spec;
      return detectionLearningCurve(
        workspace,
        { ...options, seed: seed ?? 1, ...(input !== undefined ? { height: input, width: input } : {}) },
        context,
      );
    }
    case 'detect-compress': {
      await initEngine();
      const { kind: _kind, ...options } = spec;
      return compressDetector(workspace, options, context);
    }
    case 'detect-robustness': {
      await initEngine();
      const { kind: _kind, corruptions, ...options } = spec;
      return detectorCorruptionRobustness(
        workspace,
        { ...options, ...(corruptions !== undefined ? { corruptions: [...corruptions] } : {}) },
        context,
      );
    }
    case 'detect-attack': {
      await initEngine();
      const { kind: _kind, ...options } = spec;
      return detectorPgd(workspace, options, context);
    }
  }
}
