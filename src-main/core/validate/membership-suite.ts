import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';
import type { JobContext } from '../jobs/job-context.js';
import { throwIfCancelled } from '../jobs/job-context.js';
import { ARCHITECTURES } from '../models/registry.js';
import { fitEpochs } from '../train/fit-epochs.js';
import { balancedClassWeights } from '../train/class-weights.js';
import { badInput } from '../errors.js';
import { SPLIT_CODES } from '../data/sample-dataset.js';
import { predictProbabilities } from './predict.js';
import {
  attackFigures,
  lossThresholdAttack,
  offlineLira,
  sampleLosses,
  scaledConfidences,
  type AttackFigures,
} from './membership.js';
import type { SuiteContext } from './suite-context.js';
import type { ValidateOptions } from './validate-options.js';

export const DEFAULT_MEMBERSHIP_SAMPLES = 1000;
export const DEFAULT_SHADOW_MODELS = 4;
export const DEFAULT_SHADOW_EPOCHS = 3;

export interface MembershipFigures {
  modelId: string;
  lossThreshold: AttackFigures;
  /** Null when no shadow model was trained. */
  lira: AttackFigures | null;
}

export interface MembershipResult {
  /** Training samples of the model (its fit records) and test samples never seen in training, as many of each. */
  members: number;
  nonMembers: number;
  memberGroups: string[];
  shadows: { count: number; epochs: number; arch: string } | null;
  /** This model, and its parent (before compression) when it has one. */
  model: MembershipFigures;
  parent: MembershipFigures | null;
}

export type ShadowTrainer = (
  inputs: Float32Array,
  labels: Int32Array,
  seed: number,
) => Promise<tfl.LayersModel>;

/**
 * Membership inference against one or more target models on the same members and non-members: the
 * loss-threshold attack, and offline LiRA with shadow models each trained on a random half of the pooled samples.
 */
export async function membershipInference(o: {
  targets: { id: string; model: tfl.LayersModel }[];
  inputs: Float32Array;
  sampleShape: number[];
  labels: Int32Array;
  classes: number;
  /** 1 for a member (a training sample of the targets), 0 for a non-member. */
  isMember: Uint8Array;
  shadows: number;
  trainShadow: ShadowTrainer;
  seed: number;
  job?: JobContext;
}): Promise<MembershipFigures[]> {
  const n = o.labels.length;
  const size = o.sampleShape.reduce((a, b) => a * b, 1);
  const confidencesOut: Float64Array[] = [];
  const isIn: Uint8Array[] = [];
  for (let s = 0; s < o.shadows; s++) {
    if (o.job !== undefined) {
      throwIfCancelled(o.job.signal);
      o.job.progress(s / o.shadows, `membership inference: shadow model ${s + 1} of ${o.shadows}`);
    }
    const order = shuffledIndices(n, createRng(deriveSeed(o.seed, 'shadow', s)));
    const chosen = Array.from(order.subarray(0, Math.floor(n / 2))).sort((a, b) => a - b);
    const mask = new Uint8Array(n);
    const inputs = new Float32Array(chosen.length * size);
    chosen.forEach((i, k) => {
      mask[i] = 1;
      inputs.set(o.inputs.subarray(i * size, (i + 1) * size), k * size);
    });
    const labels = Int32Array.from(chosen, (i) => o.labels[i] as number);
    const shadow = await o.trainShadow(inputs, labels, deriveSeed(o.seed, 'shadow-init', s));
    try {
      const { probabilities } = predictProbabilities(shadow, o.inputs, o.sampleShape);
      confidencesOut.push(scaledConfidences(probabilities, o.labels, o.classes));
      isIn.push(mask);
    } finally {
      shadow.dispose();
    }
  }
  const split = <T>(values: ArrayLike<T>, member: boolean): T[] =>
    Array.from(values).filter((_, i) => (o.isMember[i] === 1) === member);
  return o.targets.map(({ id, model }) => {
    const { probabilities } = predictProbabilities(model, o.inputs, o.sampleShape);
    const losses = sampleLosses(probabilities, o.labels, o.classes);
    const lira =
      o.shadows > 0
        ? (() => {
            const scores = offlineLira(
              scaledConfidences(probabilities, o.labels, o.classes),
              confidencesOut,
              isIn,
            );
            return attackFigures(split(scores, true), split(scores, false));
          })()
        : null;
    return {
      modelId: id,
      lossThreshold: lossThresholdAttack(split(losses, true), split(losses, false)),
      lira,
    };
  });
}

/** Up to `count` of the indices, drawn without replacement, in stored order. */
function subsample(indices: number[], count: number, seed: number): number[] {
  if (indices.length <= count) return indices;
  const order = shuffledIndices(indices.length, createRng(seed));
  return Array.from(order.subarray(0, count), (k) => indices[k] as number).sort((a, b) => a - b);
}

/** The membership suite: this model and its parent, members from the training records, non-members from test. */
export async function membershipSuite(
  ctx: SuiteContext,
  options: ValidateOptions,
  job: JobContext,
): Promise<MembershipResult> {
  const trained = ctx.trainedAncestor();
  if (trained.datasetId !== ctx.dataset.id)
    throw badInput(
      `membership inference needs the dataset model ${trained.id} was trained on (${String(trained.datasetId)})`,
    );
  const fitGroups = new Set((trained.summary['trainRecords'] as string[] | undefined) ?? []);
  if (fitGroups.size === 0) throw badInput(`model ${trained.id} does not record its training records`);
  const perSide = options.membershipSamples ?? DEFAULT_MEMBERSHIP_SAMPLES;
  const members: number[] = [];
  const nonMembers: number[] = [];
  for (let i = 0; i < ctx.dataset.count; i++) {
    const group = ctx.dataset.groups[ctx.dataset.group[i] as number] ?? '';
    if (ctx.dataset.split[i] === SPLIT_CODES.train && fitGroups.has(group)) members.push(i);
    else if (ctx.dataset.split[i] === SPLIT_CODES.test && !fitGroups.has(group)) nonMembers.push(i);
  }
  const count = Math.min(perSide, members.length, nonMembers.length);
  if (count < 10)
    throw badInput(
      `membership inference needs at least 10 training and 10 test samples from different records; found ${members.length} and ${nonMembers.length}` +
        (nonMembers.length === 0
          ? ' (a split by beat puts every record on both sides: non-members must come from records never trained on)'
          : ''),
    );
  const chosen = [
    ...subsample(members, count, deriveSeed(ctx.seed, 'members')),
    ...subsample(nonMembers, count, deriveSeed(ctx.seed, 'non-members')),
  ];
  const isMember = Uint8Array.from(chosen, (_, k) => (k < count ? 1 : 0));
  const labels = Int32Array.from(chosen, (i) => ctx.dataset.labels[i] as number);
  const architecture = ARCHITECTURES[trained.arch];
  const shadows = architecture !== undefined ? (options.shadowModels ?? DEFAULT_SHADOW_MODELS) : 0;
  const epochs = options.shadowEpochs ?? DEFAULT_SHADOW_EPOCHS;
  const learningRate = Number(trained.config['learningRate'] ?? 1e-3);
  const batchSize = Number(trained.config['batchSize'] ?? 64);
  const trainShadow: ShadowTrainer = async (inputs, shadowLabels, seed) => {
    if (architecture === undefined) throw badInput(`unknown architecture ${trained.arch}`);
    const model = architecture.build({ sampleShape: ctx.sampleShape, classes: ctx.classCount, seed });
    const optimizer = tf.train.adam(learningRate);
    try {
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      await fitEpochs({
        model,
        inputs,
        labels: shadowLabels,
        sampleShape: ctx.sampleShape,
        classes: ctx.classCount,
        epochs,
        batchSize,
        seed,
        signal: job.signal,
        classWeight: balancedClassWeights(shadowLabels, ctx.classCount),
      });
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    } finally {
      optimizer.dispose();
    }
  };
  const parent = await ctx.parent();
  const figures = await membershipInference({
    targets: [
      { id: ctx.modelRow.id, model: ctx.model },
      ...(parent !== undefined ? [{ id: parent.row.id, model: parent.model }] : []),
    ],
    inputs: ctx.dataset.inputs(chosen),
    sampleShape: ctx.sampleShape,
    labels,
    classes: ctx.classCount,
    isMember,
    shadows,
    trainShadow,
    seed: ctx.seed,
    job,
  });
  return {
    members: count,
    nonMembers: count,
    memberGroups: [...fitGroups],
    shadows: shadows > 0 ? { count: shadows, epochs, arch: trained.arch } : null,
    model: figures[0] as MembershipFigures,
    parent: figures[1] ?? null,
  };
}
