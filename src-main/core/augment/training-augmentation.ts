import type { Workspace } from '../store/workspace.js';
import type { SampleDataset } from '../data/sample-dataset.js';
import { IMAGE_INPUT_KIND } from '../data/images/image-dataset.js';
import { normalizeImages, type ImagePreprocessing } from '../data/images/preprocess.js';
import { deriveSeed } from '../engine/seed.js';
import { badInput } from '../errors.js';
import type { JobContext } from '../jobs/job-context.js';
import {
  defaultGeneratorEpochs,
  fitGenerator,
  GENERATOR_DEFAULTS,
  proportionalCounts,
} from '../generative/fit-generator.js';
import { findGenerator, loadGenerator, type StoredGenerator } from '../generative/generator-store.js';
import { generatePatches } from '../generative/generate-patches.js';
import { parseAugment } from './augment-spec.js';
import { classicAugmenter } from './classic-augmentation.js';

type Perturber = (x: Float32Array, y: Int32Array, epoch: number) => Float32Array | Promise<Float32Array>;

export interface AugmentTrainingOptions {
  augment?: string;
  /** A stored generator (attest generative train); without it, one is trained on the training samples. */
  generatorId?: string;
  /** Epochs of the generator trained for this run; default about 1,200 updates. */
  generatorEpochs?: number;
  seed: number;
  semi?: string;
  hardening?: string;
}

/** The samples a training run fits on, as train-model.ts chose them. */
export interface FitSamples {
  dataset: SampleDataset;
  fitIdx: ArrayLike<number>;
  /** Validation samples (whole held-out groups): the generator never sees them; they are its leak reference. */
  valIdx: ArrayLike<number>;
  inputs: Float32Array;
  labels: Int32Array;
}

export interface PreparedAugmentation {
  /** The training inputs and labels, synthetic patches appended after the real ones. */
  inputs: Float32Array;
  labels: Int32Array;
  /** Per-epoch hook of the training loop (classical augmentation), if any. */
  perturbEpoch?: Perturber;
  /** Artifacts the training read beyond the dataset (the generator), for its audit event. */
  auditInputs: { role: string; sha256: string }[];
  /** What was done, for the model's summary; undefined without --augment. */
  summary?: Record<string, unknown>;
}

/** Checks the augmentation options before a training job starts (bad input, nothing stored). */
export function checkAugmentOptions(o: AugmentTrainingOptions): void {
  if (o.augment === undefined) {
    if (o.generatorId !== undefined || o.generatorEpochs !== undefined)
      throw badInput('--generator and --generator-epochs need --augment synthetic:RATIO');
    return;
  }
  const spec = parseAugment(o.augment);
  if (spec.synthetic === undefined && (o.generatorId !== undefined || o.generatorEpochs !== undefined))
    throw badInput('--generator and --generator-epochs need --augment synthetic:RATIO');
  if (spec.synthetic !== undefined && o.semi !== undefined)
    throw badInput('--augment synthetic does not combine with --semi (synthetic patches carry labels)');
  // Both replace the epoch's inputs; chaining them (augment, then attack the augmented copies) is not wired yet.
  if (spec.classic !== undefined && o.hardening !== undefined)
    throw badInput('--augment classic does not combine with --harden yet; use one or the other');
  if (o.generatorId !== undefined && o.generatorEpochs !== undefined)
    throw badInput(
      '--generator-epochs applies to a generator trained for this run, not to a stored --generator',
    );
  if (
    o.generatorEpochs !== undefined &&
    !(Number.isInteger(o.generatorEpochs) && o.generatorEpochs >= 1 && o.generatorEpochs <= 1000)
  )
    throw badInput('--generator-epochs must be an integer from 1 to 1000');
}

const identity = (fit: FitSamples): PreparedAugmentation => ({
  inputs: fit.inputs,
  labels: fit.labels,
  auditInputs: [],
});

/**
 * Turns `train --augment` into what the training loop needs: synthetic patches from a class-conditional GAN
 * (stored, or trained now on exactly the samples this run fits on, never on its validation or test samples)
 * appended to the training set in the data's class proportions, and classical augmentation as a per-epoch hook
 * that also applies to the synthetic patches.
 */
export async function prepareAugmentation(
  workspace: Workspace,
  options: AugmentTrainingOptions,
  fit: FitSamples,
  job: JobContext,
): Promise<PreparedAugmentation> {
  checkAugmentOptions(options);
  if (options.augment === undefined) return identity(fit);
  const spec = parseAugment(options.augment);
  const { dataset } = fit;
  if (dataset.inputKind !== IMAGE_INPUT_KIND)
    throw badInput(`--augment works on image datasets; dataset ${dataset.id} holds ${dataset.inputKind}`);
  let inputs = fit.inputs;
  let labels = fit.labels;
  const auditInputs: PreparedAugmentation['auditInputs'] = [];
  const summary: Record<string, unknown> = { augment: options.augment };
  if (spec.synthetic !== undefined) {
    const made = await syntheticPatches(workspace, options, fit, spec.synthetic.ratio, job);
    inputs = new Float32Array(fit.inputs.length + made.inputs.length);
    inputs.set(fit.inputs);
    inputs.set(made.inputs, fit.inputs.length);
    labels = Int32Array.from([...fit.labels, ...made.labels]);
    auditInputs.push({ role: 'generator', sha256: made.generator.sha256 });
    summary['synthetic'] = made.summary;
  }
  if (spec.classic !== undefined) summary['classic'] = spec.classic;
  const classic =
    spec.classic !== undefined
      ? classicAugmenter(spec.classic, dataset.sampleShape, options.seed)
      : undefined;
  return {
    inputs,
    labels,
    ...(classic !== undefined ? { perturbEpoch: classic } : {}),
    auditInputs,
    summary,
  };
}

async function syntheticPatches(
  workspace: Workspace,
  options: AugmentTrainingOptions,
  fit: FitSamples,
  ratio: number,
  job: JobContext,
): Promise<{
  inputs: Float32Array;
  labels: Int32Array;
  generator: StoredGenerator;
  summary: Record<string, unknown>;
}> {
  const { dataset } = fit;
  let generator: StoredGenerator;
  let reused = false;
  let trainedNow = false;
  if (options.generatorId !== undefined) {
    generator = findGenerator(workspace, options.generatorId);
    if (generator.datasetId !== dataset.id)
      throw badInput(
        `generator ${generator.generatorId} was trained on dataset ${generator.datasetId}, not ${dataset.id}`,
      );
  } else {
    const fitted = await fitGenerator(
      workspace,
      {
        datasetId: dataset.id,
        trainingSamples: Array.from(fit.fitIdx),
        heldOutSamples: Array.from(fit.valIdx),
        settings: {
          epochs: options.generatorEpochs ?? defaultGeneratorEpochs(fit.fitIdx.length),
          batchSize: GENERATOR_DEFAULTS.batchSize,
          learningRate: GENERATOR_DEFAULTS.learningRate,
          latent: GENERATOR_DEFAULTS.latent,
          seed: options.seed,
        },
      },
      job,
    );
    generator = fitted.generator;
    reused = fitted.reused;
    trainedNow = !fitted.reused;
  }
  if (generator.leakCheck.verdict === 'leak')
    job.log(
      `warning: generator ${generator.generatorId} failed its leak check: ${generator.leakCheck.summary}`,
    );
  const { model, meta } = await loadGenerator(workspace, generator);
  try {
    // A stored generator that saw this run's validation samples makes early stopping (not the test) optimistic.
    const validation = new Set(Array.from(fit.valIdx));
    const sawValidation = meta.trainingSamples.filter((i) => validation.has(i)).length;
    if (sawValidation > 0)
      job.log(
        `note: generator ${generator.generatorId} was trained on ${sawValidation} of this run's ${validation.size} validation samples; validation figures are optimistic (test figures are not affected)`,
      );
    const total = Math.round(ratio * fit.labels.length);
    const counts = proportionalCounts(fit.labels, meta.shape.classes, total);
    const patches = generatePatches(
      model,
      meta.shape,
      counts,
      deriveSeed(options.seed, 'synthetic-training'),
    );
    const preprocessing = dataset.modelMeta['imagePreprocessing'] as ImagePreprocessing;
    job.log(
      `${total} synthetic patches from generator ${generator.generatorId} (${counts.join(' / ')} by class)`,
    );
    return {
      inputs: normalizeImages(patches.pixels, preprocessing),
      labels: patches.labels,
      generator,
      summary: {
        ratio,
        generatorId: generator.generatorId,
        generatorSha256: generator.sha256,
        trainedForThisRun: trainedNow,
        reusedGenerator: reused,
        samples: total,
        samplesByClass: counts,
        generatorSawValidationSamples: sawValidation,
        leakCheck: generator.leakCheck,
      },
    };
  } finally {
    model.dispose();
  }
}
