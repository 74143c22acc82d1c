import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import { engineInfo } from '../../engine/backend.js';
import { insertComparison, newComparisonId } from '../../store/method-comparisons.js';
import { utcNow } from '../../util/ids.js';
import { getModel } from '../../store/models.js';
import { badInput } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import { runJob } from '../../jobs/run-job.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { IMAGE_INPUT_KIND } from '../../data/images/image-dataset.js';
import { trainModel } from '../train/train-model.js';
import { validateModel } from '../validate/validate-model.js';
import { describeAugmentComparison } from '../../augment/describe-comparison.js';
import {
  AUGMENT_CONFIGURATIONS,
  type AugmentConfiguration,
  type AugmentRow,
  type AugmentRun,
  type GeneratorUsed,
} from '../../augment/augment-rows.js';

export {
  AUGMENT_CONFIGURATIONS,
  type AugmentConfiguration,
  type AugmentRow,
  type AugmentRun,
  type GeneratorUsed,
};

export interface CompareAugmentationOptions {
  datasetId: string;
  /** Default small-cnn. */
  arch?: string;
  /** Shares of the training samples kept (scarce data), default [1]. */
  fractions?: number[];
  /** Default [1]. */
  seeds?: number[];
  /** Classifier epochs, default 10 (no early stopping; the best validation epoch is kept). */
  epochs?: number;
  /** Synthetic patches per real one, default 1. */
  ratio?: number;
  /** Generator epochs; default about 1,200 updates. */
  generatorEpochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Default all four: none, classic, synthetic, both. */
  configurations?: AugmentConfiguration[];
}

export interface CompareAugmentationResult {
  comparisonId: string;
  datasetId: string;
  backend: string;
  split: 'test';
  rows: AugmentRow[];
  generators: GeneratorUsed[];
  /** Plain-language reading of the table. */
  summary: string;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const sd = (values: number[]) => {
  const m = mean(values);
  return values.length < 2
    ? 0
    : Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
};

function augmentOf(configuration: AugmentConfiguration, ratio: number): string | undefined {
  if (configuration === 'none') return undefined;
  if (configuration === 'classic') return 'classic';
  if (configuration === 'synthetic') return `synthetic:${ratio}`;
  return `synthetic:${ratio},classic`;
}

function checkOptions(
  o: CompareAugmentationOptions,
): Required<Omit<CompareAugmentationOptions, 'generatorEpochs' | 'batchSize' | 'learningRate'>> {
  const fractions = o.fractions ?? [1];
  const seeds = o.seeds ?? [1];
  const configurations = o.configurations ?? [...AUGMENT_CONFIGURATIONS];
  if (fractions.length === 0 || fractions.some((f) => !(f > 0 && f <= 1)))
    throw badInput('--fractions takes shares of the training data above 0 and at most 1, e.g. 0.25,1');
  if (seeds.length === 0 || seeds.length > 10 || seeds.some((s) => !Number.isInteger(s) || s < 0))
    throw badInput('--seeds takes 1 to 10 non-negative integers');
  if (configurations.length === 0 || configurations.some((c) => !AUGMENT_CONFIGURATIONS.includes(c)))
    throw badInput(`--configurations takes ${AUGMENT_CONFIGURATIONS.join(', ')}`);
  if (!configurations.includes('none'))
    throw badInput('--configurations must include none: the gains are measured against it');
  const ratio = o.ratio ?? 1;
  if (!(ratio > 0 && ratio <= 10)) throw badInput(`--ratio must be above 0 and at most 10, got ${ratio}`);
  const epochs = o.epochs ?? 10;
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 1000)
    throw badInput('--epochs must be an integer from 1 to 1000');
  return {
    datasetId: o.datasetId,
    arch: o.arch ?? 'small-cnn',
    fractions: [...new Set(fractions)].sort((a, b) => a - b),
    seeds: [...new Set(seeds)],
    epochs,
    ratio,
    configurations: AUGMENT_CONFIGURATIONS.filter((c) => configurations.includes(c)),
  };
}

/**
 * Augmentation against the plain baseline: for each share of the training data and each seed, one model per
 * configuration (none, classic, synthetic patches, both), same architecture, epochs and seed, each scored on
 * the test split, which neither the classifiers nor the generators ever see. The generator of the synthetic
 * configurations is trained on exactly the samples the classifier fits on (the same share), so no
 * configuration learns from images the baseline is denied; "synthetic" and "both" share it. Every model,
 * generator and validation is stored and audited; the comparison itself is stored (method comparisons) and
 * audited too.
 */
export async function compareAugmentation(
  workspace: Workspace,
  options: CompareAugmentationOptions,
  context: JobContext,
): Promise<CompareAugmentationResult> {
  const o = checkOptions(options);
  const dataset = loadDataset(workspace, o.datasetId);
  if (dataset.inputKind !== IMAGE_INPUT_KIND)
    throw badInput(`augmentation works on image datasets; dataset ${dataset.id} holds ${dataset.inputKind}`);
  return runJob(workspace, 'augment-compare', { ...options }, context, async (_jobId, job) => {
    const total = o.fractions.length * o.seeds.length * o.configurations.length;
    let done = 0;
    const runs = new Map<string, AugmentRun>();
    const generators: GeneratorUsed[] = [];
    for (const fraction of o.fractions)
      for (const seed of o.seeds)
        for (const configuration of o.configurations) {
          const part = done++;
          const augment = augmentOf(configuration, o.ratio);
          const label = `${Math.round(fraction * 100)}% of the data, ${configuration}, seed ${seed}`;
          const stage: JobContext = {
            ...job,
            progress: (f, m) => job.progress((part + f) / total, `${label}: ${m}`),
          };
          const trained = await trainModel(
            workspace,
            {
              datasetId: o.datasetId,
              arch: o.arch,
              epochs: o.epochs,
              seed,
              patience: o.epochs,
              name: `${o.arch}, augmentation ${configuration}, ${Math.round(fraction * 100)}% of the data, seed ${seed}`,
              ...(fraction < 1 ? { labeledFraction: fraction } : {}),
              ...(augment !== undefined ? { augment } : {}),
              ...(augment?.startsWith('synthetic') === true && options.generatorEpochs !== undefined
                ? { generatorEpochs: options.generatorEpochs }
                : {}),
              ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
              ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
            },
            stage,
          );
          const validated = (await validateModel(
            workspace,
            { modelId: trained.modelId, datasetId: o.datasetId, split: 'test', suites: ['clean'] },
            stage,
          )) as unknown as { clean: { accuracy: number; macroF1: number } };
          const synthetic = syntheticFacts(workspace, trained.modelId);
          if (
            synthetic.generator !== undefined &&
            !generators.some((g) => g.generatorId === synthetic.generator?.generatorId)
          )
            generators.push({ fraction, seed, ...synthetic.generator });
          runs.set(`${fraction}/${seed}/${configuration}`, {
            seed,
            modelId: trained.modelId,
            accuracy: validated.clean.accuracy,
            macroF1: validated.clean.macroF1,
            realSamples: trained.labeledSamples,
            syntheticSamples: synthetic.samples,
            ...(synthetic.generator !== undefined ? { generatorId: synthetic.generator.generatorId } : {}),
            seconds: trained.seconds,
          });
          job.log(
            `${label}: test accuracy ${validated.clean.accuracy.toFixed(4)}, macro-F1 ${validated.clean.macroF1.toFixed(4)}`,
          );
        }
    const rows: AugmentRow[] = [];
    for (const fraction of o.fractions)
      for (const configuration of o.configurations) {
        const mine = o.seeds.map((s) => runs.get(`${fraction}/${s}/${configuration}`) as AugmentRun);
        const base = o.seeds.map((s) => runs.get(`${fraction}/${s}/none`) as AugmentRun);
        rows.push({
          configuration,
          augment: augmentOf(configuration, o.ratio) ?? '',
          fraction,
          runs: mine,
          meanAccuracy: mean(mine.map((r) => r.accuracy)),
          meanMacroF1: mean(mine.map((r) => r.macroF1)),
          sdMacroF1: sd(mine.map((r) => r.macroF1)),
          gainAccuracy: mean(mine.map((r, k) => r.accuracy - (base[k] as AugmentRun).accuracy)),
          gainMacroF1: mean(mine.map((r, k) => r.macroF1 - (base[k] as AugmentRun).macroF1)),
        });
      }
    const backend = engineInfo().backend;
    const comparisonId = newComparisonId();
    const summary = describeAugmentComparison(rows, generators, o.seeds.length);
    const params = { ...o, ...options, arch: o.arch, epochs: o.epochs, ratio: o.ratio };
    workspace.db.transaction(() => {
      insertComparison(workspace.db, {
        id: comparisonId,
        kind: 'augmentation',
        datasetId: o.datasetId,
        params,
        result: { split: 'test', rows, generators, summary },
        backend,
        createdAt: utcNow(),
        models: rows.flatMap((r) =>
          r.runs.map((run) => ({
            modelId: run.modelId,
            role: `${r.configuration === 'none' ? 'baseline' : r.configuration}, ${Math.round(r.fraction * 100)}% of the data, seed ${run.seed}`,
          })),
        ),
      });
      appendAuditEvent(workspace.db, {
        action: 'augment.compare',
        entityType: 'dataset',
        entityId: o.datasetId,
        payload: {
          params,
          comparisonId,
          backend,
          result: {
            rows: rows.map((r) => ({
              configuration: r.configuration,
              fraction: r.fraction,
              models: r.runs.map((x) => x.modelId),
              meanAccuracy: r.meanAccuracy,
              meanMacroF1: r.meanMacroF1,
              gainAccuracy: r.gainAccuracy,
              gainMacroF1: r.gainMacroF1,
            })),
            generators: generators.map((g) => ({ generatorId: g.generatorId, verdict: g.verdict })),
            summary,
          },
        },
      });
    })();
    return {
      comparisonId,
      datasetId: o.datasetId,
      backend,
      split: 'test' as const,
      rows,
      generators,
      summary,
    };
  });
}

/** What the stored model's summary says about its synthetic patches (see training-augmentation.ts). */
function syntheticFacts(
  workspace: Workspace,
  modelId: string,
): { samples: number; generator?: { generatorId: string; verdict: 'leak' | 'no-leak'; summary: string } } {
  const summary = getModel(workspace.db, modelId).summary as {
    augmentation?: {
      synthetic?: {
        samples: number;
        generatorId: string;
        leakCheck: { verdict: 'leak' | 'no-leak'; summary: string };
      };
    };
  };
  const synthetic = summary.augmentation?.synthetic;
  if (synthetic === undefined) return { samples: 0 };
  return {
    samples: synthetic.samples,
    generator: {
      generatorId: synthetic.generatorId,
      verdict: synthetic.leakCheck.verdict,
      summary: synthetic.leakCheck.summary,
    },
  };
}
