import type { Workspace } from '../../store/workspace.js';
import { tf } from '../../engine/tf.js';
import { engineInfo } from '../../engine/backend.js';
import { ARCHITECTURES } from '../../models/registry.js';
import { encodeModelArtifact } from '../../models/artifact.js';
import { countParams } from '../../compress/model-size.js';
import { predictClasses } from '../../predict/predict.js';
import { classificationMetrics, type ClassificationMetrics } from '../../metrics/metrics.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import {
  givenValidationIndices,
  labelsOf,
  sampleIndices,
  perturbableMask,
  type SampleDataset,
} from '../../data/sample-dataset.js';
import { getDataset } from '../../store/datasets.js';
import { insertCheckpoint } from '../../store/jobs.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { runJob } from '../../jobs/run-job.js';
import type { JobContext } from '../../jobs/job-context.js';
import { balancedClassWeights } from '../../train/class-weights.js';
import { parseSampler } from '../../train/balanced-sampler.js';
import { chooseValidationRecords } from '../../train/validation-records.js';
import { hardeningPerturber, parseHardening } from '../../train/adversarial-hardening.js';
import { batchHardening } from '../../validate/batch-hardening.js';
import { fitEpochs, type StopReason } from '../../train/fit-epochs.js';
import { recalibrateBatchNorm } from '../../train/batch-norm-recalibration.js';
import { ReplicaPool } from '../../train/replica-pool.js';
import { learningRateAt, parseLrPolicy } from '../../train/lr-policy.js';
import type { StabilityTerm } from '../../train/replica-protocol.js';
import { parseSemi, semiSupervisedHooks } from '../../train/semi-supervised.js';
import { createRng, deriveSeed } from '../../engine/seed.js';
import { checkAugmentOptions, prepareAugmentation } from '../../augment/training-augmentation.js';
import { restoreRun, type ResumePoint } from './resume-training.js';
import { chooseLearningRate, type AutoLearningRate } from './auto-learning-rate.js';
import { formatLoss } from '../../util/loss-format.js';
import { persistModel } from '../../persist/persist-model.js';

export interface TrainOptions {
  datasetId: string;
  arch: string;
  epochs: number;
  seed: number;
  maxMinutes?: number;
  batchSize?: number;
  learningRate?: number;
  /**
   * Without a learningRate: run a short learning-rate range test on the training samples first and train at
   * its suggestion (auto-learning-rate.ts); `attest train` and the training form ask for it by default.
   * Otherwise the rate is 1e-3.
   */
  lrRangeTest?: boolean;
  patience?: number;
  validationFraction?: number;
  name?: string;
  /** Learning-rate policy (see lr-policy.ts), e.g. "cosine" or "triangular:1e-4:3e-3"; default constant. */
  lrPolicy?: string;
  /** Stability training, "ALPHA[:SIGMA]": alpha * KL(f(x) || f(x + noise of SIGMA)) added to the loss. */
  stability?: string;
  /** Use the labels of only this seeded fraction of the training samples (the others count as unlabelled). */
  labeledFraction?: number;
  /** Semi-supervised method (see semi-supervised.ts) using the unlabelled samples too. */
  semi?: string;
  /** 8: fully quantized training, gradients and weights at 8 bits (activations too with an arch like ecg-resnet-q8). */
  lowBit?: number;
  /** Hardening recipe (see train/adversarial-hardening.ts), e.g. "pgd:0.05", "diverse:0.05:0.5:weighted", "manifold:0". */
  hardening?: string;
  /** Image augmentation (see augment/augment-spec.ts): "classic", "synthetic:RATIO" or both. */
  augment?: string;
  /** Stored generator for synthetic patches; without it one is trained on this run's training samples. */
  generatorId?: string;
  generatorEpochs?: number;
  /**
   * How each epoch draws the training samples: 'shuffle' (all of them once, rare classes weighted up by
   * balanced class weights) or 'balanced' (the classes drawn about equally, no class weights; see
   * balanced-sampler.ts). Default 'shuffle'.
   */
  sampler?: string;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  valAccuracy: number;
  valMacroF1: number;
  /** The learning rate of the epoch's last batch. */
  learningRate: number;
  checkpointSha256: string;
}

export interface TrainResult {
  modelId: string;
  /** The learning rate trained at: given, the default, or chosen by the range test below. */
  learningRate: number;
  /** The range test that chose the learning rate (only when it ran). */
  lrRangeTest?: AutoLearningRate;
  jobId: string;
  epochsRun: number;
  bestEpoch: number;
  stoppedBy: StopReason;
  /** Worker-thread replicas that trained beside the main thread (0: the main thread alone). */
  replicas: number;
  /** Wall-clock time of the training, seconds. */
  seconds: number;
  /** Training samples whose label was used. */
  labeledSamples: number;
  backend: string;
  sizeBytes: number;
  params: number;
  validation: ClassificationMetrics;
  history: EpochRecord[];
}

function validateOptions(o: TrainOptions): void {
  if (ARCHITECTURES[o.arch] === undefined) {
    throw badInput(`unknown architecture "${o.arch}"; available: ${Object.keys(ARCHITECTURES).join(', ')}`);
  }
  if (!Number.isInteger(o.epochs) || o.epochs < 1 || o.epochs > 1000)
    throw badInput('--epochs must be an integer from 1 to 1000');
  if (!Number.isInteger(o.seed)) throw badInput('--seed must be an integer');
  if (o.lrPolicy !== undefined) parseLrPolicy(o.lrPolicy);
  if (o.stability !== undefined) parseStability(o.stability);
  if (o.semi !== undefined) parseSemi(o.semi);
  if (o.lowBit !== undefined && o.lowBit !== 8) throw badInput(`--low-bit takes 8, got ${o.lowBit}`);
  if (o.labeledFraction !== undefined && !(o.labeledFraction > 0 && o.labeledFraction <= 1))
    throw badInput(`--labeled-fraction must be above 0 and at most 1, got ${o.labeledFraction}`);
  if (o.hardening !== undefined) parseHardening(o.hardening);
  if (o.sampler !== undefined) parseSampler(o.sampler);
  checkAugmentOptions(o);
}

/** "ALPHA[:SIGMA]" of --stability; sigma (default 0.05) is in the units of the model inputs (standardized). */
export function parseStability(text: string): StabilityTerm {
  const [alphaText = '', sigmaText] = text.split(':');
  const alpha = Number(alphaText);
  const sigma = sigmaText === undefined ? 0.05 : Number(sigmaText);
  if (!(alpha > 0 && alpha <= 100) || !(sigma > 0 && sigma <= 10))
    throw badInput(
      `--stability takes ALPHA[:SIGMA] with 0 < ALPHA <= 100 and 0 < SIGMA <= 10, got "${text}"`,
    );
  return { alpha, sigma };
}

/** The architecture asked for, refused unless it reads the dataset's kind of input. */
function checkedArchitecture(arch: string, dataset: SampleDataset) {
  const architecture = ARCHITECTURES[arch];
  if (architecture === undefined) throw badInput(`unknown architecture "${arch}"`);
  if (!architecture.inputKinds.includes(dataset.inputKind)) {
    throw badInput(
      `architecture ${arch} reads ${architecture.inputKinds.join(' or ')}; dataset ${dataset.id} holds ${dataset.inputKind}`,
    );
  }
  return architecture;
}

/**
 * The training split divided into the samples the model fits and the validation samples that choose its best
 * epoch: whole groups (records, patients) held out, or a published validation split as given; with
 * --labeled-fraction, a seeded share of the fitted samples keeps its label.
 */
function splitTrainingSamples(dataset: SampleDataset, options: TrainOptions, validationFraction: number) {
  const train = sampleIndices(dataset, 'train');
  if (train.length === 0) throw badInput(`dataset ${dataset.id} has no sample in its train split`);
  // Validation holds out whole groups (records, patients), never single samples of a group seen in training;
  // a published validation split (MedMNIST's) is used as given instead, so figures compare with the papers'.
  const givenVal = givenValidationIndices(dataset);
  const trainGroupIds = [...new Set(Array.from(train, (i) => dataset.group[i] as number))];
  const validationRecords =
    givenVal.length > 0
      ? new Set<number>()
      : chooseValidationRecords(trainGroupIds, validationFraction, options.seed, {
          labels: dataset.labels,
          group: dataset.group,
          indices: train,
        });
  const allFitIdx = train.filter((i) => !validationRecords.has(dataset.group[i] as number));
  // Fewer labels: a seeded share of the training samples keeps its label. Without a semi-supervised method the
  // others are simply left out (the supervised baseline); with one they stay, unlabelled.
  const labelRandom = createRng(deriveSeed(options.seed, 'labeled-fraction'));
  const labeled = Uint8Array.from(allFitIdx, () =>
    options.labeledFraction === undefined || labelRandom() < options.labeledFraction ? 1 : 0,
  );
  if (!labeled.includes(1)) throw badInput('--labeled-fraction leaves no labelled training sample');
  const fitIdx = options.semi === undefined ? allFitIdx.filter((_, k) => labeled[k] === 1) : allFitIdx;
  const labeledMask =
    options.semi !== undefined && options.labeledFraction !== undefined ? labeled : undefined;
  const valIdx =
    givenVal.length > 0 ? givenVal : train.filter((i) => validationRecords.has(dataset.group[i] as number));
  return {
    givenVal,
    trainGroupIds,
    validationRecords,
    allFitIdx,
    labeled,
    fitIdx,
    labeledMask,
    valIdx,
  };
}

/**
 * Trains a baseline model on a dataset's train split: validation records held out by record, balanced class
 * weights, a checkpoint per epoch, early stopping on validation macro-F1 (the best epoch is the model kept).
 */
export async function trainModel(
  workspace: Workspace,
  options: TrainOptions,
  context: JobContext,
  /** Continue an interrupted job from its last checkpoint (see resume-training.ts). */
  resume?: ResumePoint,
): Promise<TrainResult> {
  validateOptions(options);
  const datasetRow = getDataset(workspace.db, options.datasetId);
  const batchSize = options.batchSize ?? 64;
  // Undefined: the range test chooses it inside the job (a resumed job runs the same seeded test again).
  const fixedRate = options.learningRate ?? (options.lrRangeTest === true ? undefined : 1e-3);
  const patience = options.patience ?? 3;
  const validationFraction = options.validationFraction ?? 0.2;
  const params = {
    ...options,
    batchSize,
    ...(fixedRate !== undefined ? { learningRate: fixedRate } : {}),
    patience,
    validationFraction,
    optimizer: 'adam',
    loss: 'categoricalCrossentropy',
    ...(resume !== undefined ? { resumedFrom: resume.jobId } : {}),
  };
  return runJob(workspace, 'train', params, context, async (jobId, job) => {
    // The time budget counts from here: the range test is part of the training's time.
    const started = Date.now();
    const backend = engineInfo().backend;
    const dataset = loadDataset(workspace, options.datasetId);
    const architecture = checkedArchitecture(options.arch, dataset);
    const { givenVal, trainGroupIds, validationRecords, allFitIdx, labeled, fitIdx, labeledMask, valIdx } =
      splitTrainingSamples(dataset, options, validationFraction);
    const classes = dataset.classes.length;
    const sampleShape = dataset.sampleShape;
    const fitInputs = dataset.inputs(fitIdx);
    const fitLabels = labelsOf(dataset, fitIdx);
    const valInputs = dataset.inputs(valIdx);
    const valLabels = labelsOf(dataset, valIdx);
    const augmentation = await prepareAugmentation(
      workspace,
      options,
      { dataset, fitIdx, valIdx, inputs: fitInputs, labels: fitLabels },
      job,
    );
    const sampler = parseSampler(options.sampler ?? 'shuffle');
    // A balanced sampler already evens out the classes: weighting them too would count the rare ones twice.
    const classWeight =
      sampler === 'balanced'
        ? undefined
        : balancedClassWeights(
            labeledMask === undefined ? fitLabels : fitLabels.filter((_, k) => labeledMask[k] === 1),
            classes,
          );
    const lrTest =
      fixedRate === undefined
        ? await chooseLearningRate({
            dataset,
            indices: allFitIdx.filter((_, k) => labeled[k] === 1),
            build: () => architecture.build({ sampleShape, classes, seed: options.seed }),
            seed: options.seed,
            batchSize,
            signal: job.signal,
            onStep: (step, rate) =>
              job.progress(0, `learning-rate range test: step ${step + 1}, rate ${rate.toExponential(2)}`),
          })
        : undefined;
    const learningRate = fixedRate ?? (lrTest as AutoLearningRate).rate;
    if (lrTest !== undefined) job.log(describeLearningRate(lrTest));
    const model = architecture.build({ sampleShape, classes, seed: options.seed });
    const optimizer = tf.train.adam(learningRate);
    const semi =
      options.semi !== undefined
        ? semiSupervisedHooks(
            model,
            architecture.build({ sampleShape, classes, seed: options.seed }),
            sampleShape,
            parseSemi(options.semi),
            options.seed,
          )
        : undefined;
    const meta = {
      arch: options.arch,
      inputKind: dataset.inputKind,
      sampleShape,
      classes: dataset.classes,
      ...dataset.modelMeta,
    };
    try {
      model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: [] });
      const deadline = options.maxMinutes !== undefined ? started + options.maxMinutes * 60_000 : undefined;
      const policy = parseLrPolicy(options.lrPolicy ?? 'constant');
      const stepsPerEpoch = Math.max(1, Math.ceil(fitIdx.length / batchSize));
      const rateAt = (step: number): number =>
        learningRateAt(policy, learningRate, step, stepsPerEpoch, stepsPerEpoch * options.epochs);
      const restored =
        resume !== undefined
          ? await restoreRun(
              workspace,
              jobId,
              resume,
              model,
              { inputs: valInputs, labels: valLabels, sampleShape, classes: dataset.classes },
              (epoch) => rateAt(epoch * stepsPerEpoch - 1),
            )
          : undefined;
      const history: EpochRecord[] = restored?.history ?? [];
      let best:
        { epoch: number; macroF1: number; bytes: Uint8Array; metrics: ClassificationMetrics } | undefined =
        restored?.best;
      let sinceBest = restored?.sinceBest ?? 0;
      const startEpoch = restored?.startEpoch ?? 1;
      // A resumed run's curves start with the epochs it inherits.
      for (const e of history)
        job.trainingEpoch?.({ epoch: e.epoch, loss: e.loss, accuracy: e.valAccuracy, macroF1: e.valMacroF1 });
      // Cut off after early stopping had decided: no epoch is left to train.
      const alreadyStopped = restored !== undefined && sinceBest >= patience;
      const hardening = options.hardening !== undefined ? parseHardening(options.hardening) : undefined;
      // Hardening and stability noise perturb the signal only, never a context tail (the R-R intervals).
      const tailMask = perturbableMask(
        sampleShape.reduce((a, b) => a * b, 1),
        dataset.contextTail,
      );
      const masked = tailMask !== undefined ? { mask: tailMask } : {};
      const batchAttacks =
        hardening !== undefined && hardening.kind !== 'manifold'
          ? batchHardening({ model, sampleShape, classes, hardening, seed: options.seed, ...masked })
          : undefined;
      const fitted = await fitEpochs({
        model,
        inputs: augmentation.inputs,
        labels: augmentation.labels,
        sampleShape,
        classes,
        epochs: alreadyStopped ? startEpoch - 1 : options.epochs,
        startEpoch,
        batchSize,
        seed: options.seed,
        signal: job.signal,
        ...(classWeight !== undefined ? { classWeight } : {}),
        ...(sampler !== 'shuffle' ? { sampler } : {}),
        // Data-parallel replicas on the other cores (wasm runs one core per thread); ATTEST_TRAIN_WORKERS=0 off.
        replicas: ReplicaPool.defaultSize(backend),
        onNotice: (message) => job.log(message),
        ...(policy.kind !== 'constant' ? { learningRateAt: rateAt } : {}),
        ...(options.stability !== undefined
          ? { stability: { ...parseStability(options.stability), ...masked } }
          : {}),
        ...(semi !== undefined ? { semi } : {}),
        ...(options.lowBit === 8 ? { lowBit: true } : {}),
        ...(labeledMask !== undefined ? { labeledMask } : {}),
        ...(augmentation.perturbEpoch !== undefined ? { perturbEpoch: augmentation.perturbEpoch } : {}),
        ...(hardening?.kind === 'manifold'
          ? {
              perturbEpoch: hardeningPerturber({
                model,
                sampleShape,
                classes,
                hardening,
                seed: options.seed,
                inputKind: dataset.inputKind,
                fs: Number(dataset.modelMeta['fs'] ?? 360),
                ...masked,
                onEpochFigures: (epoch, f) =>
                  job.log(
                    `hardening (${options.hardening}): epoch ${epoch}, ${f.perturbed} perturbed samples`,
                  ),
              }),
            }
          : {}),
        // Gradient attacks are made batch by batch against the weights each batch updates.
        ...(batchAttacks !== undefined
          ? { perturbBatch: (x, y, epoch, batch) => void batchAttacks.perturbBatch(x, y, epoch, batch) }
          : {}),
        ...(deadline !== undefined ? { deadline } : {}),
        // The epoch's mean loss so far, not the last batch's: the figure the loss curve shows for the epoch once
        // it ends, with the same four decimals as the chart's label.
        onBatch(epoch, fraction, _batchLoss, epochLoss) {
          job.progress(
            (epoch - 1 + fraction) / options.epochs,
            `epoch ${epoch}/${options.epochs} loss ${formatLoss(epochLoss)}`,
          );
          job.trainingPoint?.({ epoch, fraction, loss: epochLoss });
        },
        async onEpochEnd(epoch, loss) {
          if (batchAttacks !== undefined) {
            const f = batchAttacks.epochFigures(epoch);
            job.log(
              `hardening (${options.hardening}): epoch ${epoch}, ${f.perturbed} perturbed samples (` +
                Object.entries(f.byAttack)
                  .filter(([, count]) => count > 0)
                  .map(([name, count]) => `${name} ${count}`)
                  .join(', ') +
                ', made batch by batch)',
            );
          }
          // Batch-norm statistics from the training samples before the model is scored and checkpointed.
          recalibrateBatchNorm(model, augmentation.inputs, sampleShape, { batchSize, maxBatches: 32 });
          const predicted = predictClasses(model, valInputs, sampleShape);
          const metrics = classificationMetrics(valLabels, predicted, dataset.classes);
          const bytes = await encodeModelArtifact(model, { meta: { ...meta, epoch } });
          const checkpoint = workspace.artifacts.put(bytes);
          insertCheckpoint(workspace.db, jobId, epoch, checkpoint.sha256, {
            loss,
            accuracy: metrics.accuracy,
            macroF1: metrics.macroF1,
          });
          job.trainingEpoch?.({ epoch, loss, accuracy: metrics.accuracy, macroF1: metrics.macroF1 });
          history.push({
            epoch,
            loss,
            valAccuracy: metrics.accuracy,
            valMacroF1: metrics.macroF1,
            learningRate: rateAt(epoch * stepsPerEpoch - 1),
            checkpointSha256: checkpoint.sha256,
          });
          job.log(
            `epoch ${epoch}: loss ${formatLoss(loss)}, validation accuracy ${metrics.accuracy.toFixed(4)}, macro-F1 ${metrics.macroF1.toFixed(4)}`,
          );
          if (best === undefined || metrics.macroF1 > best.macroF1) {
            best = { epoch, macroF1: metrics.macroF1, bytes, metrics };
            sinceBest = 0;
          } else {
            sinceBest++;
          }
          return sinceBest >= patience ? 'stop' : 'continue';
        },
      });
      const run = alreadyStopped ? { ...fitted, stoppedBy: 'early-stopping' as const } : fitted;
      if (best === undefined)
        throw badInput('training stopped before the first epoch ended; allow more time');
      return storeTrainedModel(workspace, {
        options,
        params,
        jobId,
        dataset,
        datasetSha256: datasetRow.dataSha256,
        backend,
        learningRate,
        lrTest,
        meta,
        chosen: best,
        run,
        counts: countParams(model),
        split: {
          givenVal,
          trainGroupIds,
          validationRecords,
          fitCount: fitIdx.length,
          valCount: valIdx.length,
        },
        labeledMask,
        classWeight,
        sampler,
        started,
        augmentation,
        history,
      });
    } finally {
      model.dispose();
      optimizer.dispose();
      semi?.dispose();
    }
  });
}

/** What the training run hands to the step that stores its model. */
interface TrainedRun {
  options: TrainOptions;
  params: Record<string, unknown>;
  jobId: string;
  dataset: SampleDataset;
  datasetSha256: string;
  backend: string;
  learningRate: number;
  lrTest: AutoLearningRate | undefined;
  meta: Record<string, unknown>;
  chosen: { epoch: number; macroF1: number; bytes: Uint8Array; metrics: ClassificationMetrics };
  run: { epochsRun: number; stoppedBy: StopReason; replicas: number };
  counts: { params: number; nonzero: number };
  split: {
    givenVal: ArrayLike<number>;
    trainGroupIds: number[];
    validationRecords: Set<number>;
    fitCount: number;
    valCount: number;
  };
  labeledMask: Uint8Array | undefined;
  classWeight: Record<number, number> | undefined;
  history: EpochRecord[];
  sampler: string;
  started: number;
  augmentation: { summary?: Record<string, unknown>; auditInputs: { role: string; sha256: string }[] };
}

/**
 * Stores the best epoch's checkpoint as the model, with its summary and the `model.train` audit event in one
 * transaction, and returns the job's result.
 */
function storeTrainedModel(workspace: Workspace, trained: TrainedRun): TrainResult {
  const {
    options,
    params,
    jobId,
    dataset,
    datasetSha256,
    backend,
    learningRate,
    lrTest,
    meta,
    chosen,
    run,
    counts,
    split,
    labeledMask,
    classWeight,
    sampler,
    started,
    augmentation,
    history,
  } = trained;
  // The kept model is byte for byte the best epoch's checkpoint.
  const stored = workspace.artifacts.put(chosen.bytes);
  const modelId = newId('m');
  const validation = chosen.metrics;
  const summary = {
    learningRate,
    ...(lrTest !== undefined ? { lrRangeTest: lrTest } : {}),
    validation,
    history,
    bestEpoch: chosen.epoch,
    stoppedBy: run.stoppedBy,
    // Replicas change the order of floating-point sums: a run is reproducible with the same count.
    replicas: run.replicas,
    trainBeats: split.fitCount,
    labeledSamples: labeledMask === undefined ? split.fitCount : labeledMask.filter((v) => v === 1).length,
    validationBeats: split.valCount,
    // The groups validation judged on: what calibration (validate) fits its temperature on later.
    validationRecords:
      split.givenVal.length > 0
        ? [...new Set(Array.from(split.givenVal, (i) => dataset.groups[dataset.group[i] as number]))]
        : [...split.validationRecords].map((r) => dataset.groups[r]),
    ...(split.givenVal.length > 0 ? { validationSplit: 'given' } : {}),
    trainRecords: split.trainGroupIds
      .filter((r) => !split.validationRecords.has(r))
      .map((r) => dataset.groups[r]),
    ...(classWeight !== undefined ? { classWeight } : {}),
    sampler,
    seconds: (Date.now() - started) / 1000,
    ...(augmentation.summary !== undefined ? { augmentation: augmentation.summary } : {}),
  };
  persistModel(
    workspace.db,
    {
      id: modelId,
      name: options.name ?? `${options.arch} on ${dataset.name}`,
      arch: options.arch,
      datasetId: options.datasetId,
      parentId: null,
      recipe: null,
      artifactSha256: stored.sha256,
      sizeBytes: stored.size,
      params: counts.params,
      nonzeroParams: counts.nonzero,
      backend,
      seed: options.seed,
      config: { ...params, learningRate, meta },
      summary,
      createdAt: utcNow(),
    },
    {
      action: 'model.train',
      payload: {
        params: { ...params, jobId },
        backend,
        // Which kernels ran on wasm (simd-fma, simd, backend): a seeded run repeats on the same choice.
        ...(engineInfo().kernels !== undefined ? { kernels: engineInfo().kernels } : {}),
        replicas: run.replicas,
        inputs: [{ role: 'dataset-bundle', sha256: datasetSha256 }, ...augmentation.auditInputs],
        outputs: [{ role: 'model', sha256: stored.sha256 }],
        result: {
          learningRate,
          ...(lrTest !== undefined
            ? { lrRangeTest: { suggestedRate: lrTest.suggestedRate, steps: lrTest.points.length } }
            : {}),
          epochsRun: run.epochsRun,
          bestEpoch: chosen.epoch,
          stoppedBy: run.stoppedBy,
          validationAccuracy: validation.accuracy,
          validationMacroF1: validation.macroF1,
        },
      },
    },
  );
  return {
    modelId,
    learningRate,
    ...(lrTest !== undefined ? { lrRangeTest: lrTest } : {}),
    jobId,
    epochsRun: run.epochsRun,
    bestEpoch: chosen.epoch,
    stoppedBy: run.stoppedBy,
    backend,
    replicas: run.replicas,
    seconds: summary.seconds,
    labeledSamples: summary.labeledSamples,
    sizeBytes: stored.size,
    params: counts.params,
    validation,
    history,
  };
}

/** One line for the job log and the CLI: the rate chosen and where it came from. */
export function describeLearningRate(test: AutoLearningRate): string {
  return (
    `learning rate ${test.rate.toExponential(2)} from a range test of ${test.points.length} steps (${test.seconds.toFixed(1)} s): ` +
    (test.clamped
      ? `its suggestion ${test.suggestedRate.toExponential(2)} was moved into the usual range`
      : 'a tenth of the rate at the lowest loss')
  );
}
