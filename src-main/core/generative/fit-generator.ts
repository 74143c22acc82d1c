import type { Workspace } from '../store/workspace.js';
import { engineInfo } from '../engine/backend.js';
import { getDataset } from '../store/datasets.js';
import { gatherImages, loadImageDataset, type ImageDataset } from '../data/images/image-dataset.js';
import { deriveSeed } from '../engine/seed.js';
import { badInput } from '../errors.js';
import type { JobContext } from '../jobs/job-context.js';
import { checkGanShape, type GanShape } from './conditional-gan.js';
import { trainConditionalGan, type GanEpochRecord } from './train-gan.js';
import { generatePatches } from './generate-patches.js';
import { checkLeakage, type LeakCheckResult } from './leak-check.js';
import {
  findGeneratorByKey,
  storeGenerator,
  trainingSetKey,
  type GeneratorSettings,
  type StoredGenerator,
} from './generator-store.js';

export interface FitGeneratorRequest {
  datasetId: string;
  /** Dataset sample indices to train on, and real ones it must not see (the leak check's reference). */
  trainingSamples: number[];
  heldOutSamples: number[];
  settings: GeneratorSettings;
  maxMinutes?: number;
}

export interface FitGeneratorResult {
  generator: StoredGenerator;
  /** True when a generator trained on exactly these samples with these settings was already stored. */
  reused: boolean;
  /** The full leak check (when trained now); a reused generator carries its stored verdict and summary. */
  leakCheck?: LeakCheckResult;
  history: GanEpochRecord[];
  seconds: number;
}

export const GENERATOR_DEFAULTS = { batchSize: 32, learningRate: 2e-4, latent: 64 } as const;

/** Updates of the generator that the default epoch count aims for (about 3 minutes at 28 px on two cores). */
const DEFAULT_STEPS = 1200;

/** Epochs that give about DEFAULT_STEPS updates for this many training patches (20 to 300). */
export function defaultGeneratorEpochs(
  samples: number,
  batchSize: number = GENERATOR_DEFAULTS.batchSize,
): number {
  const steps = Math.max(1, Math.floor(samples / batchSize));
  return Math.min(300, Math.max(20, Math.ceil(DEFAULT_STEPS / steps)));
}

/** Counts per class that add up to `total` in the proportions of `labels` (largest remainders). */
export function proportionalCounts(labels: ArrayLike<number>, classes: number, total: number): number[] {
  const seen = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) seen[labels[i] as number] = (seen[labels[i] as number] ?? 0) + 1;
  const n = Math.max(1, labels.length);
  const exact = seen.map((c) => (c * total) / n);
  const counts = exact.map(Math.floor);
  const order = exact
    .map((e, c) => [e - Math.floor(e), c] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < total && k < order.length; k++) {
    const c = (order[k] as readonly [number, number])[1];
    counts[c] = (counts[c] as number) + 1;
  }
  return counts;
}

export function ganShapeOf(dataset: ImageDataset, latent: number): GanShape {
  const p = dataset.preprocessing;
  const shape = {
    height: p.height,
    width: p.width,
    channels: p.channels,
    classes: dataset.classes.length,
    latent,
  };
  checkGanShape(shape);
  return shape;
}

/**
 * Trains the class-conditional GAN on chosen samples of an image dataset, runs the leak check against the
 * held-out real samples, and stores and audits the generator. A generator already trained on exactly these
 * samples with these settings on this backend is reused rather than trained again (the result would be the
 * same: training is seeded), which lets a comparison share one generator between its configurations.
 */
export async function fitGenerator(
  workspace: Workspace,
  request: FitGeneratorRequest,
  job: JobContext,
): Promise<FitGeneratorResult> {
  const started = Date.now();
  const datasetRow = getDataset(workspace.db, request.datasetId);
  const backend = engineInfo().backend;
  const key = trainingSetKey(datasetRow.dataSha256, request.trainingSamples, request.settings, backend);
  const existing = findGeneratorByKey(workspace, key);
  if (existing !== undefined) {
    job.log(
      `generator ${existing.generatorId} was trained on the same samples with the same settings: reused`,
    );
    return { generator: existing, reused: true, history: [], seconds: 0 };
  }
  const dataset = loadImageDataset(workspace, request.datasetId);
  const shape = ganShapeOf(dataset, request.settings.latent);
  const size = shape.height * shape.width * shape.channels;
  const labels = Int32Array.from(request.trainingSamples, (i) => dataset.labels[i] as number);
  const pixels = gatherImages(dataset, request.trainingSamples);
  const heldOut = gatherImages(dataset, request.heldOutSamples);
  if (request.heldOutSamples.length < 20)
    throw badInput(
      `the leak check needs at least 20 real images the generator does not see; ${request.heldOutSamples.length} are held out (import more images or hold out a larger fraction)`,
    );
  const settings = request.settings;
  job.log(
    `training the generative model on ${labels.length} patches (${shape.height} x ${shape.width}), ${settings.epochs} epochs`,
  );
  const trained = await trainConditionalGan({
    pixels,
    labels,
    shape,
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    seed: settings.seed,
    signal: job.signal,
    ...(request.maxMinutes !== undefined ? { deadline: started + request.maxMinutes * 60_000 } : {}),
    onBatch: (epoch, fraction) =>
      job.progress((epoch - 1 + fraction) / settings.epochs, `generator epoch ${epoch}/${settings.epochs}`),
    onEpoch: (r) =>
      job.log(
        `generator epoch ${r.epoch}: discriminator loss ${r.discriminatorLoss.toFixed(3)}, generator loss ${r.generatorLoss.toFixed(3)}, D(real) ${r.realScore.toFixed(2)}, D(fake) ${r.fakeScore.toFixed(2)}`,
      ),
  });
  try {
    const checkCount = Math.min(2000, Math.max(200, labels.length));
    const synthetic = generatePatches(
      trained.generator,
      shape,
      proportionalCounts(labels, shape.classes, checkCount),
      deriveSeed(settings.seed, 'leak-check'),
    );
    const leakCheck = checkLeakage({ training: pixels, heldOut, synthetic: synthetic.pixels, size });
    job.log(`leak check: ${leakCheck.summary}`);
    const seconds = (Date.now() - started) / 1000;
    const generator = await storeGenerator(
      workspace,
      trained.generator,
      {
        kind: 'cgan-generator',
        version: 1,
        datasetId: request.datasetId,
        classes: dataset.classes,
        shape,
        preprocessing: dataset.preprocessing,
        trainingSamples: request.trainingSamples,
        heldOutSamples: request.heldOutSamples,
        trainingSetKey: key,
        settings,
        history: trained.history,
      },
      { backend, seconds, epochsRun: trained.epochsRun, stoppedBy: trained.stoppedBy, leakCheck },
    );
    return { generator, reused: false, leakCheck, history: trained.history, seconds };
  } finally {
    trained.generator.dispose();
  }
}
