import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import { engineInfo } from '../../engine/backend.js';
import { gatherImages, loadImageDataset } from '../../data/images/image-dataset.js';
import { badInput } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import { runJob } from '../../jobs/run-job.js';
import { generatePatches } from '../../generative/generate-patches.js';
import { checkLeakage, leakFigures, type LeakCheckResult } from '../../generative/leak-check.js';
import { findGenerator, loadGenerator, LEAK_CHECK_ACTION } from '../../generative/generator-store.js';
import { proportionalCounts } from '../../generative/fit-generator.js';

export interface CheckGeneratorOptions {
  generatorId: string;
  /** Synthetic patches to draw; default as many as the generator's training patches (200 to 2,000). */
  samples?: number;
  seed: number;
}

/**
 * The leak check again, on a stored generator with fresh synthetic patches (another seed, more samples): the
 * generator's training patches and its held-out real patches are read back from the dataset by the indices
 * its artifact records. Audited as its own event.
 */
export async function checkGenerator(
  workspace: Workspace,
  options: CheckGeneratorOptions,
  context: JobContext,
): Promise<{ generatorId: string; leakCheck: LeakCheckResult }> {
  if (options.samples !== undefined && !(Number.isInteger(options.samples) && options.samples >= 20))
    throw badInput(`--samples must be an integer of at least 20, got ${options.samples}`);
  const stored = findGenerator(workspace, options.generatorId);
  return runJob(workspace, 'generative-check', { ...options }, context, async () => {
    const { model, meta } = await loadGenerator(workspace, stored);
    try {
      const dataset = loadImageDataset(workspace, meta.datasetId);
      const training = gatherImages(dataset, meta.trainingSamples);
      const labels = meta.trainingSamples.map((i) => dataset.labels[i] as number);
      const count = options.samples ?? Math.min(2000, Math.max(200, labels.length));
      const synthetic = generatePatches(
        model,
        meta.shape,
        proportionalCounts(labels, meta.shape.classes, count),
        options.seed,
      );
      const size = meta.shape.height * meta.shape.width * meta.shape.channels;
      const leakCheck = checkLeakage({
        training,
        heldOut: gatherImages(dataset, meta.heldOutSamples),
        synthetic: synthetic.pixels,
        size,
      });
      workspace.db.transaction(() => {
        appendAuditEvent(workspace.db, {
          action: LEAK_CHECK_ACTION,
          entityType: 'generator',
          entityId: stored.generatorId,
          payload: {
            params: { ...options, samples: count },
            backend: engineInfo().backend,
            inputs: [{ role: 'generator', sha256: stored.sha256 }],
            result: {
              verdict: leakCheck.verdict,
              summary: leakCheck.summary,
              spaces: leakFigures(leakCheck),
            },
          },
        });
      })();
      return { generatorId: stored.generatorId, leakCheck };
    } finally {
      model.dispose();
    }
  });
}
