import type { Workspace } from '../../store/workspace.js';
import { runJob } from '../../jobs/run-job.js';
import type { JobContext } from '../../jobs/job-context.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { IMAGE_INPUT_KIND } from '../../data/images/image-dataset.js';
import { sampleIndices } from '../../data/sample-dataset.js';
import { chooseValidationRecords } from '../../train/validation-records.js';
import { deriveSeed } from '../../engine/seed.js';
import { badInput } from '../../errors.js';
import {
  defaultGeneratorEpochs,
  fitGenerator,
  GENERATOR_DEFAULTS,
  type FitGeneratorResult,
} from '../../generative/fit-generator.js';

export interface TrainGeneratorOptions {
  datasetId: string;
  /** Default: about 1,200 generator updates (see defaultGeneratorEpochs). */
  epochs?: number;
  seed: number;
  batchSize?: number;
  learningRate?: number;
  latent?: number;
  /** Share of the train split's groups (patients, studies) kept away from the generator as the leak reference. */
  heldOutFraction?: number;
  maxMinutes?: number;
}

export interface TrainGeneratorResult extends FitGeneratorResult {
  trainingSamples: number;
  heldOutSamples: number;
}

/**
 * `attest generative train`: a class-conditional GAN on the train split of an image dataset. A seeded share of
 * the train split's groups is held out (whole patients, as validation is), so that the leak check compares the
 * synthetic patches with real images the generator never saw; the test split is never touched.
 */
export async function trainGenerator(
  workspace: Workspace,
  options: TrainGeneratorOptions,
  context: JobContext,
): Promise<TrainGeneratorResult> {
  const heldOutFraction = options.heldOutFraction ?? 0.2;
  if (!(heldOutFraction > 0 && heldOutFraction < 1))
    throw badInput(`--held-out must be above 0 and below 1, got ${heldOutFraction}`);
  if (!Number.isInteger(options.seed)) throw badInput('--seed must be an integer');
  return runJob(workspace, 'generative-train', { ...options }, context, async (_jobId, job) => {
    const dataset = loadDataset(workspace, options.datasetId);
    if (dataset.inputKind !== IMAGE_INPUT_KIND)
      throw badInput(
        `the generative model makes image patches; dataset ${dataset.id} holds ${dataset.inputKind}`,
      );
    const train = sampleIndices(dataset, 'train');
    const groups = [...new Set(Array.from(train, (i) => dataset.group[i] as number))];
    const heldOutGroups = chooseValidationRecords(
      groups,
      heldOutFraction,
      deriveSeed(options.seed, 'generator-held-out'),
    );
    const trainingSamples = Array.from(train).filter((i) => !heldOutGroups.has(dataset.group[i] as number));
    const heldOutSamples = Array.from(train).filter((i) => heldOutGroups.has(dataset.group[i] as number));
    const batchSize = options.batchSize ?? GENERATOR_DEFAULTS.batchSize;
    const settings = {
      epochs: options.epochs ?? defaultGeneratorEpochs(trainingSamples.length, batchSize),
      batchSize,
      learningRate: options.learningRate ?? GENERATOR_DEFAULTS.learningRate,
      latent: options.latent ?? GENERATOR_DEFAULTS.latent,
      seed: options.seed,
    };
    const result = await fitGenerator(
      workspace,
      {
        datasetId: options.datasetId,
        trainingSamples,
        heldOutSamples,
        settings,
        ...(options.maxMinutes !== undefined ? { maxMinutes: options.maxMinutes } : {}),
      },
      job,
    );
    return { ...result, trainingSamples: trainingSamples.length, heldOutSamples: heldOutSamples.length };
  });
}
