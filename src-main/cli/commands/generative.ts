import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { trainGenerator } from '../../core/pipelines/generative/train-generator.js';
import { checkGenerator } from '../../core/pipelines/generative/check-generator.js';
import { listGenerators } from '../../core/generative/generator-store.js';
import type { LeakCheckResult } from '../../core/generative/leak-check.js';
import { cliJobContext } from './job-context.js';

/** The leak check's figures as a few terminal lines. */
function leakLines(leak: LeakCheckResult): string[] {
  return [
    ...leak.spaces.map(
      (s) =>
        `  ${s.space.padEnd(12)} nearest training image (RMS): synthetic median ${s.syntheticToTraining.median.toFixed(4)}, held-out real median ${s.heldOutToTraining.median.toFixed(4)}; below real p1 ${(100 * s.belowRealP1).toFixed(1)}%, below real p5 ${(100 * s.belowRealP5).toFixed(1)}%; nearer a training than a held-out image ${(100 * s.closerToTraining).toFixed(1)}%; copies ${s.nearCopies}`,
    ),
    `  verdict: ${leak.verdict}. ${leak.summary}`,
  ];
}

export const generativeTrainCommand: Command = {
  path: ['generative', 'train'],
  usage:
    'generative train --dataset ID [--epochs N] [--seed 1] [--batch-size 32] [--learning-rate 0.0002] [--latent 64] [--held-out 0.2] [--max-minutes M] [--json]',
  summary:
    "Train a class-conditional GAN on an image dataset's train split (a share of its patients held out), check that its samples do not copy training images, store and audit it",
  async run(context) {
    const { options, out } = context;
    const datasetId = options.requiredString('dataset');
    const epochs = options.number('epochs', { min: 1, max: 1000, integer: true });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 1;
    const batchSize = options.number('batch-size', { min: 4, max: 512, integer: true });
    const learningRate = options.number('learning-rate', { min: 1e-6, max: 0.1 });
    const latent = options.number('latent', { min: 8, max: 512, integer: true });
    const heldOutFraction = options.number('held-out', { min: 0.01, max: 0.9 });
    const maxMinutes = options.number('max-minutes', { min: 0.05, max: 100000 });
    options.rejectUnknown();
    await initEngine();
    const result = await trainGenerator(
      context.workspace(),
      {
        datasetId,
        seed,
        ...(epochs !== undefined ? { epochs } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(learningRate !== undefined ? { learningRate } : {}),
        ...(latent !== undefined ? { latent } : {}),
        ...(heldOutFraction !== undefined ? { heldOutFraction } : {}),
        ...(maxMinutes !== undefined ? { maxMinutes } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () =>
      [
        `generator ${result.generator.generatorId}${result.reused ? ' (already trained on these samples: reused)' : ''}: ${result.trainingSamples} training patches, ${result.heldOutSamples} held out, ${result.history.length} epochs in ${result.seconds.toFixed(0)} s`,
        ...(result.leakCheck !== undefined
          ? leakLines(result.leakCheck)
          : [`  verdict: ${result.generator.leakCheck.verdict}. ${result.generator.leakCheck.summary}`]),
      ].join('\n'),
    );
  },
};

export const generativeCheckCommand: Command = {
  path: ['generative', 'check'],
  usage: 'generative check --generator ID [--samples N] [--seed 2] [--json]',
  summary:
    'Leak check of a stored generator with fresh samples: nearest-neighbour distances to its training images against those of held-out real images (audited)',
  async run(context) {
    const { options, out } = context;
    const generatorId = options.requiredString('generator');
    const samples = options.number('samples', { min: 20, max: 100000, integer: true });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 2;
    options.rejectUnknown();
    await initEngine();
    const result = await checkGenerator(
      context.workspace(),
      { generatorId, seed, ...(samples !== undefined ? { samples } : {}) },
      cliJobContext(context),
    );
    out.result(result, () => [`generator ${result.generatorId}`, ...leakLines(result.leakCheck)].join('\n'));
    // A failed leak check is a failed verification: exit 3, as audit verify and validation policies do.
    return result.leakCheck.verdict === 'leak' ? 3 : 0;
  },
};

export const generativeListCommand: Command = {
  path: ['generative', 'list'],
  readOnly: true,
  usage: 'generative list [--json]',
  summary: 'Stored generators with their dataset and leak-check verdict',
  async run(context) {
    const { options, out } = context;
    options.rejectUnknown();
    const generators = listGenerators(context.workspace());
    out.result({ generators }, () =>
      generators.length === 0
        ? 'no generator stored (attest generative train --dataset ID)'
        : generators
            .map((g) => `${g.generatorId}  dataset ${g.datasetId}  ${g.createdAt}  ${g.leakCheck.verdict}`)
            .join('\n'),
    );
  },
};
