import type { tfl } from '../engine/tf.js';
import type { JobContext } from '../jobs/job-context.js';
import { stepOf, type RecipeStep } from './recipe.js';
import type { CompressData } from './compress-data.js';
import { fineTune, stepsPerEpoch, type Distillation, type FineTuneHooks } from './fine-tune.js';
import { PruneSchedule } from './prune-schedule.js';
import { fakeQuantActivation, quantizableKernels, WeightFakeQuant } from './fake-quant.js';
import { calibrateActivationRanges } from './simulate-int8.js';
import { graphNodes } from './graph.js';
import { formatLoss } from '../util/loss-format.js';

export interface FineTuneReport {
  epochs: number;
  steps: number;
  lastLoss: number;
  learningRate: number;
  prune?: { sparsity: number; scope: string; schedule: string };
  qat: boolean;
  distillation?: { temperature: number; alpha: number; features: number; featureLayers: string[] };
  adversarial?: { epsilon: number; steps: number; robustDistillation: boolean };
}

const TRAINING_KINDS = new Set<RecipeStep['kind']>(['prune', 'filters', 'student', 'qat', 'distill', 'adv']);
const BATCH = 64;

/**
 * The recipe's one fine-tuning phase: the pruning schedule, quantization-aware training, distillation from the
 * parent and adversarial training, all in the same loop (so prune + distill + adv is one joint run, as in Lee &
 * Lee 2021). Returns undefined when the recipe trains nothing (quantization or low-rank alone).
 */
export async function runFineTuning(
  model: tfl.LayersModel,
  teacher: tfl.LayersModel,
  steps: RecipeStep[],
  options: {
    data: CompressData | undefined;
    epochs: number;
    learningRate: number;
    seed: number;
    job: JobContext;
  },
): Promise<FineTuneReport | undefined> {
  if (!steps.some((s) => TRAINING_KINDS.has(s.kind))) return undefined;
  const { data, job } = options;
  const epochs = data === undefined ? 0 : options.epochs;
  const pruneStep = stepOf(steps, 'prune');
  const qat = stepOf(steps, 'qat') !== undefined;
  const distill = stepOf(steps, 'distill');
  const adv = stepOf(steps, 'adv');
  // A student starts from scratch: it needs a livelier learning rate than a fine-tune.
  const learningRate =
    stepOf(steps, 'student') !== undefined ? Math.max(options.learningRate, 1e-3) : options.learningRate;
  const totalSteps = data === undefined ? 0 : epochs * stepsPerEpoch(data.fit.labels.length, BATCH);
  const schedule =
    pruneStep === undefined
      ? undefined
      : new PruneSchedule(model, {
          finalSparsity: pruneStep.sparsity,
          scope: pruneStep.scope,
          schedule: epochs === 0 ? 'oneshot' : pruneStep.schedule,
          totalSteps,
        });
  const report: FineTuneReport = {
    epochs,
    steps: 0,
    lastLoss: NaN,
    learningRate,
    ...(pruneStep !== undefined
      ? {
          prune: {
            sparsity: pruneStep.sparsity,
            scope: pruneStep.scope,
            schedule: epochs === 0 ? 'oneshot' : pruneStep.schedule,
          },
        }
      : {}),
    qat,
  };
  try {
    if (epochs === 0 || data === undefined) return report;
    const hooks: FineTuneHooks = {};
    let weightQuant: WeightFakeQuant | undefined;
    if (qat) {
      const ranges = calibrateActivationRanges(model, data.calibration, data.dataset.sampleShape);
      const outputLayer = graphNodes(model).at(-1)?.layer.name;
      weightQuant = new WeightFakeQuant(quantizableKernels(model));
      hooks.onOutput = (layer, output) => {
        const range = ranges[layer.name];
        return range !== undefined && layer.name !== outputLayer
          ? fakeQuantActivation(output, range)
          : output;
      };
    }
    hooks.beforeStep = (step) => {
      schedule?.beforeStep(step);
      weightQuant?.swapIn();
    };
    hooks.beforeApply = () => weightQuant?.swapOut();
    hooks.afterStep = () => schedule?.afterStep();
    let distillation: Distillation | undefined;
    if (distill !== undefined) {
      const featureLayers = distill.features > 0 ? matchingFeatureLayers(model, teacher) : [];
      distillation = {
        teacher,
        temperature: distill.temperature,
        alpha: distill.alpha,
        features: distill.features,
        featureLayers,
      };
      report.distillation = {
        temperature: distill.temperature,
        alpha: distill.alpha,
        features: distill.features,
        featureLayers,
      };
    }
    if (adv !== undefined)
      report.adversarial = {
        epsilon: adv.epsilon,
        steps: adv.steps,
        robustDistillation: distill !== undefined,
      };
    let running = { epoch: 0, sum: 0, batches: 0 };
    const result = await fineTune({
      model,
      inputs: data.fit.inputs,
      labels: data.fit.labels,
      sampleShape: data.dataset.sampleShape,
      classes: data.dataset.classes.length,
      epochs,
      batchSize: BATCH,
      learningRate,
      seed: options.seed,
      signal: job.signal,
      classWeights: data.classWeights,
      ...(distillation !== undefined ? { distillation } : {}),
      ...(adv !== undefined ? { adversarial: { epsilon: adv.epsilon, steps: adv.steps } } : {}),
      hooks,
      onBatch(epoch, fraction, loss) {
        // The epoch's mean batch loss so far, as training reports it: one batch's loss jumps about, and the
        // progress line and the live curve show this same figure.
        if (epoch !== running.epoch) running = { epoch, sum: 0, batches: 0 };
        running.sum += loss;
        running.batches += 1;
        const epochLoss = running.sum / running.batches;
        const sparsity = schedule ? ` sparsity ${(schedule.current * 100).toFixed(0)}%` : '';
        job.progress(
          0.1 + (0.7 * (epoch - 1 + fraction)) / epochs,
          `fine-tuning: epoch ${epoch}/${epochs} loss ${formatLoss(epochLoss)}${sparsity}`,
        );
        job.trainingPoint?.({ epoch, fraction, loss: epochLoss });
      },
    });
    report.steps = result.steps;
    report.lastLoss = result.lastLoss;
    return report;
  } finally {
    // Exactly the target sparsity in what is stored, whatever the schedule reached.
    schedule?.finish();
    schedule?.dispose();
  }
}

/**
 * Layers whose feature maps attention transfer matches: present in both models under the same name, with the
 * same spatial size (channels may differ: attention maps average them away), after a nonlinearity or a sum.
 */
export function matchingFeatureLayers(student: tfl.LayersModel, teacher: tfl.LayersModel): string[] {
  const teacherShapes = new Map(graphNodes(teacher).map((n) => [n.layer.name, n.outputShapes[0] ?? []]));
  return graphNodes(student)
    .filter((n) => ['Activation', 'ReLU', 'Add'].includes(n.layer.getClassName()))
    .filter((n) => {
      const shape = n.outputShapes[0] ?? [];
      const other = teacherShapes.get(n.layer.name);
      return (
        shape.length >= 2 && other !== undefined && other.slice(0, -1).join() === shape.slice(0, -1).join()
      );
    })
    .map((n) => n.layer.name);
}
