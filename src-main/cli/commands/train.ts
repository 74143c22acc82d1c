import type { Command, CommandContext } from '../command.js';
import { badInput } from '../../core/errors.js';
import { initEngine } from '../../core/engine/backend.js';
import { trainModel, type TrainResult } from '../../core/pipelines/train/train-model.js';
import { resumeTraining } from '../../core/pipelines/train/resume-job.js';
import { cliJobContext } from './job-context.js';
import { withMethodEvidence } from './method-evidence-output.js';
import { getDataset } from '../../core/store/datasets.js';
import { ARCHITECTURES, isOffered, offeredArchitectures } from '../../core/models/registry.js';
import { datasetInputOf, recommendArchitecture } from '../../core/models/recommended-architecture.js';

/** Without --epochs: an upper bound, not a target; early stopping on validation macro-F1 ends most runs sooner. */
export const DEFAULT_MAX_EPOCHS = 50;

/** The offered architectures this command trains (the detector has `attest detect train`). */
const CLASSIFIERS = offeredArchitectures().filter(
  (name) => !(ARCHITECTURES[name]?.inputKinds.includes('detection-frame') ?? false),
);

export const trainCommand: Command = {
  path: ['train'],
  usage: `train --resume JOB [--max-minutes M] [--json] | train --dataset ID [--arch ${CLASSIFIERS.join('|')}] [--epochs ${DEFAULT_MAX_EPOCHS}] [--seed 1] [--max-minutes M] [--batch-size 64] [--learning-rate R | --no-lr-test] [--patience 3] [--sampler shuffle|balanced] [--lr-policy constant|cosine|onecycle:MAX|...] [--stability ALPHA[:SIGMA]] [--labeled-fraction F] [--semi mean-teacher|vat|ema-vat] [--low-bit 8] [--harden pgd|diverse|manifold:EPS[:FRACTION][:weighted]] [--augment classic|synthetic:RATIO[,classic] [--generator ID|--generator-epochs N]] [--json]`,
  summary:
    'Train a baseline model (class-weighted, validation held out by record, early stopping, a checkpoint per epoch); without --arch the architecture recommended for the data, without --learning-rate a range test chooses the rate',
  booleanFlags: ['no-lr-test'],
  async run(context) {
    const { options, out } = context;
    const resumeJob = options.string('resume');
    if (resumeJob !== undefined) return resume(context, resumeJob);
    const datasetId = options.requiredString('dataset');
    const namedArch = options.string('arch');
    const epochs = options.number('epochs', { min: 1, max: 1000, integer: true }) ?? DEFAULT_MAX_EPOCHS;
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 1;
    const maxMinutes = options.number('max-minutes', { min: 0.05, max: 100000 });
    const batchSize = options.number('batch-size', { min: 1, max: 4096, integer: true });
    const learningRate = options.number('learning-rate', { min: 1e-7, max: 1 });
    const noLrTest = options.flag('no-lr-test');
    const patience = options.number('patience', { min: 1, max: 1000, integer: true });
    const name = options.string('name');
    const lrPolicy = options.string('lr-policy');
    const sampler = options.string('sampler');
    const stability = options.string('stability');
    const labeledFraction = options.number('labeled-fraction', { min: 1e-6, max: 1 });
    const semi = options.string('semi');
    const lowBit = options.number('low-bit', { min: 8, max: 8, integer: true });
    const hardening = options.string('harden');
    const augment = options.string('augment');
    const generatorId = options.string('generator');
    const generatorEpochs = options.number('generator-epochs', { min: 1, max: 1000, integer: true });
    options.rejectUnknown();
    if (noLrTest && learningRate !== undefined)
      throw badInput(
        '--no-lr-test and --learning-rate exclude each other: a given rate already skips the test',
      );
    const { arch, archReason } = chooseArchitecture(context, datasetId, namedArch);
    const engine = await initEngine();
    out.log(
      `backend: ${engine.backend}${engine.fallbackReason !== undefined ? ` (${engine.fallbackReason})` : ''}`,
    );
    const result = await trainModel(
      context.workspace(),
      {
        datasetId,
        arch,
        epochs,
        seed,
        ...(maxMinutes !== undefined ? { maxMinutes } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(learningRate !== undefined ? { learningRate } : {}),
        ...(learningRate === undefined && !noLrTest ? { lrRangeTest: true } : {}),
        ...(patience !== undefined ? { patience } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(lrPolicy !== undefined ? { lrPolicy } : {}),
        ...(sampler !== undefined ? { sampler } : {}),
        ...(stability !== undefined ? { stability } : {}),
        ...(labeledFraction !== undefined ? { labeledFraction } : {}),
        ...(semi !== undefined ? { semi } : {}),
        ...(lowBit !== undefined ? { lowBit } : {}),
        ...(hardening !== undefined ? { hardening } : {}),
        ...(augment !== undefined ? { augment } : {}),
        ...(generatorId !== undefined ? { generatorId } : {}),
        ...(generatorEpochs !== undefined ? { generatorEpochs } : {}),
      },
      cliJobContext(context),
    );
    report(
      context,
      withMethodEvidence(
        context,
        result,
        hardening?.startsWith('diverse') === true ? ['diversity-training'] : [],
      ),
      { arch, ...(archReason !== undefined ? { archReason } : {}) },
    );
  },
};

/** The named architecture (with a warning when it is not offered) or the one recommended for the dataset. */
function chooseArchitecture(
  context: CommandContext,
  datasetId: string,
  named: string | undefined,
): { arch: string; archReason?: string } {
  if (named !== undefined) {
    const architecture = ARCHITECTURES[named];
    if (architecture !== undefined && !isOffered(architecture))
      context.out.log(
        `warning: ${named} is not offered (${architecture.notOfferedBecause ?? 'it does not learn reliably'}); training it because you named it`,
      );
    return { arch: named };
  }
  const recommended = recommendArchitecture(datasetInputOf(getDataset(context.workspace().db, datasetId)));
  context.out.log(`architecture: ${recommended.arch}, recommended for this dataset (${recommended.reason})`);
  return { arch: recommended.arch, archReason: recommended.reason };
}

function report(
  context: CommandContext,
  result: TrainResult,
  chosen?: { arch: string; archReason?: string },
): void {
  const rate = result.lrRangeTest;
  context.out.result({ ...chosen, ...result }, () =>
    [
      ...(rate !== undefined
        ? [
            `learning rate ${result.learningRate.toExponential(2)}: chosen by a range test (${rate.points.length} steps, suggested ${rate.suggestedRate.toExponential(2)}${rate.clamped ? ', moved into the usual range' : ''})`,
          ]
        : [`learning rate ${result.learningRate.toExponential(2)}`]),
      `model ${result.modelId}: ${result.epochsRun} epochs (best ${result.bestEpoch}, stopped by ${result.stoppedBy}) on ${result.backend}`,
      `  validation accuracy ${result.validation.accuracy.toFixed(4)}, macro-F1 ${result.validation.macroF1.toFixed(4)}`,
    ].join('\n'),
  );
}

/** `train --resume JOB`: the interrupted job's own settings, from its last checkpoint. */
async function resume(context: CommandContext, jobId: string): Promise<void> {
  const { options, out } = context;
  const maxMinutes = options.number('max-minutes', { min: 0.05, max: 100000 });
  try {
    options.rejectUnknown();
  } catch (error) {
    throw badInput(
      `${error instanceof Error ? error.message : String(error)}; --resume takes the job's own settings (only --max-minutes may be given)`,
    );
  }
  const engine = await initEngine();
  out.log(`backend: ${engine.backend}`);
  const result = await resumeTraining(
    context.workspace(),
    jobId,
    maxMinutes !== undefined ? { maxMinutes } : {},
    cliJobContext(context),
  );
  report(context, result);
}
