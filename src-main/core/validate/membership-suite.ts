import { tf, type tfl } from '../engine/tf.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';
import type { JobContext } from '../jobs/job-context.js';
import { throwIfCancelled } from '../jobs/job-context.js';
import { ARCHITECTURES } from '../models/registry.js';
import { fitEpochs } from '../train/fit-epochs.js';
import { balancedClassWeights } from '../train/class-weights.js';
import { badInput } from '../errors.js';
import { SPLIT_CODES } from '../data/sample-dataset.js';
import { predictProbabilities } from '../predict/predict.js';
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

/** One membership question, its population stated: who the members and non-members are. */
export interface MembershipQuestion {
  question: 'sample' | 'patient';
  /** Plain statement of the population, e.g. "600 trained-on beats and 600 held-out beats of the same 3 patients". */
  population: string;
  /** Members and non-members, in units of the question (samples or patients). */
  members: number;
  nonMembers: number;
  /** Samples behind the figures (for patients, the beats whose scores are averaged). */
  samples: number;
  model: MembershipFigures;
  parent: MembershipFigures | null;
}

export interface MembershipResult {
  /** The question the top-level figures answer (sample-level where the data allow it, else patient-level). */
  question: 'sample' | 'patient';
  population: string;
  members: number;
  nonMembers: number;
  memberGroups: string[];
  shadows: {
    count: number;
    epochs: number;
    arch: string;
    /** Mean number of shadows that did not train on a sample (LiRA's OUT models per sample). */
    outPerSample: number;
    secondsPerShadow: number;
    /** The variance of LiRA's OUT distribution is pooled over samples: too few OUT models per sample for its own. */
    note: string;
  } | null;
  /** This model, and its parent (before compression) when it has one: for `question`. */
  model: MembershipFigures;
  parent: MembershipFigures | null;
  /** Both questions, or why one cannot be asked of this dataset's split. */
  sampleLevel: MembershipQuestion | { unavailable: string };
  patientLevel: MembershipQuestion | { unavailable: string };
}

export interface ShadowCost {
  outPerSample?: number;
  secondsPerShadow?: number;
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
  /**
   * The unit membership is asked about, per sample (default: the sample itself). With patients as units, each
   * shadow trains on a random half of the patients, and a patient's score is the mean of its samples' scores.
   */
  unitOf?: Int32Array;
  /** Filled with the shadows' cost: OUT models per sample and seconds per shadow. */
  shadowCost?: ShadowCost;
}): Promise<MembershipFigures[]> {
  const n = o.labels.length;
  const size = o.sampleShape.reduce((a, b) => a * b, 1);
  const unitOf = o.unitOf ?? Int32Array.from({ length: n }, (_, i) => i);
  const units = Math.max(0, ...Array.from(unitOf, (u) => u + 1));
  const confidencesOut: Float64Array[] = [];
  const isIn: Uint8Array[] = [];
  const started = Date.now();
  for (let s = 0; s < o.shadows; s++) {
    if (o.job !== undefined) {
      throwIfCancelled(o.job.signal);
      o.job.progress(s / o.shadows, `membership inference: shadow model ${s + 1} of ${o.shadows}`);
    }
    const unitOrder = shuffledIndices(units, createRng(deriveSeed(o.seed, 'shadow', s)));
    const inUnits = new Uint8Array(units);
    for (const u of unitOrder.subarray(0, Math.floor(units / 2))) inUnits[u] = 1;
    const chosen = Array.from({ length: n }, (_, i) => i).filter((i) => inUnits[unitOf[i] as number] === 1);
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
  if (o.shadowCost !== undefined && o.shadows > 0) {
    const outs = Array.from({ length: n }, (_, i) => isIn.filter((mask) => mask[i] === 0).length);
    o.shadowCost.outPerSample = outs.reduce((a, b) => a + b, 0) / Math.max(1, n);
    o.shadowCost.secondsPerShadow = (Date.now() - started) / 1000 / o.shadows;
  }
  // Scores per unit: the mean over its samples (a patient's beats), members and non-members by unit.
  const unitMember = new Int8Array(units).fill(-1);
  unitOf.forEach((u, i) => (unitMember[u] = o.isMember[i] ?? 0));
  const split = (values: ArrayLike<number>, member: boolean): number[] => {
    const sums = new Float64Array(units);
    const counts = new Int32Array(units);
    unitOf.forEach((u, i) => {
      sums[u] = (sums[u] as number) + (values[i] as number);
      counts[u] = (counts[u] as number) + 1;
    });
    const out: number[] = [];
    for (let u = 0; u < units; u++)
      if ((counts[u] as number) > 0 && (unitMember[u] === 1) === member)
        out.push((sums[u] as number) / (counts[u] as number));
    return out;
  };
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

/** Beats per patient for the patient-level question: each patient's score is the mean over these. */
export const BEATS_PER_PATIENT = 50;

/**
 * The membership suite asks two questions, each of a population where membership is the only difference:
 *   sample level: "was this beat in the training data?", members the trained-on beats and non-members held-out
 *     beats of the same patients (needs a split by beat, which leaves beats of training patients untrained);
 *   patient level: "was this patient in the training data?", the realistic threat for a hospital: member
 *     patients against patients never trained on (test records), each scored by the mean over its beats.
 * Members from training records against other patients' test beats would measure the shift between patients,
 * not memorisation; that mix is no longer asked.
 */
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
  const validationGroups = new Set((trained.summary['validationRecords'] as string[] | undefined) ?? []);
  const perSide = options.membershipSamples ?? DEFAULT_MEMBERSHIP_SAMPLES;
  const groupName = (i: number) => ctx.dataset.groups[ctx.dataset.group[i] as number] ?? '';
  // Per patient: its trained-on beats, and its beats never trained on (another split of the same record).
  const trainedBy = new Map<string, number[]>();
  const heldOutBy = new Map<string, number[]>();
  const otherPatients = new Map<string, number[]>();
  for (let i = 0; i < ctx.dataset.count; i++) {
    const group = groupName(i);
    const split = ctx.dataset.split[i];
    const into = (map: Map<string, number[]>) => map.set(group, [...(map.get(group) ?? []), i]);
    if (fitGroups.has(group)) {
      if (split === SPLIT_CODES.train) into(trainedBy);
      else into(heldOutBy);
    } else if (split === SPLIT_CODES.test && !validationGroups.has(group)) into(otherPatients);
  }
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
  const targets = [
    { id: ctx.modelRow.id, model: ctx.model },
    ...(parent !== undefined ? [{ id: parent.row.id, model: parent.model }] : []),
  ];
  const cost: ShadowCost = {};
  const ask = async (
    chosen: number[],
    isMember: Uint8Array,
    unitOf: Int32Array | undefined,
    seed: number,
  ): Promise<MembershipFigures[]> =>
    membershipInference({
      targets,
      inputs: ctx.dataset.inputs(chosen),
      sampleShape: ctx.sampleShape,
      labels: Int32Array.from(chosen, (i) => ctx.dataset.labels[i] as number),
      classes: ctx.classCount,
      isMember,
      shadows,
      trainShadow,
      seed,
      job,
      ...(unitOf !== undefined ? { unitOf } : {}),
      shadowCost: cost,
    });

  // Sample level: as many held-out as trained-on beats from each patient, so both sides share the patients.
  let sampleLevel: MembershipQuestion | { unavailable: string };
  const pairs = [...heldOutBy.entries()].map(([group, held]) => ({
    group,
    count: Math.min(held.length, trainedBy.get(group)?.length ?? 0),
  }));
  const pairable = pairs.reduce((a, p) => a + p.count, 0);
  if (pairable < 10) {
    sampleLevel = {
      unavailable:
        'every beat of the training patients was trained on (a split by record): no held-out beat of the same ' +
        'patients to compare with; import with a split by beat (beats:SEED:FRACTION) to ask this question',
    };
  } else {
    const share = Math.min(1, perSide / pairable);
    const members: number[] = [];
    const nonMembers: number[] = [];
    for (const [k, { group, count }] of pairs.entries()) {
      const take = Math.max(count > 0 ? 1 : 0, Math.round(count * share));
      members.push(...subsample(trainedBy.get(group) ?? [], take, deriveSeed(ctx.seed, 'members', k)));
      nonMembers.push(...subsample(heldOutBy.get(group) ?? [], take, deriveSeed(ctx.seed, 'non-members', k)));
    }
    const patients = pairs.filter((p) => p.count > 0).length;
    const figures = await ask(
      [...members, ...nonMembers],
      Uint8Array.from({ length: members.length + nonMembers.length }, (_, k) => (k < members.length ? 1 : 0)),
      undefined,
      ctx.seed,
    );
    sampleLevel = {
      question: 'sample',
      population: `${members.length} trained-on beats and ${nonMembers.length} held-out beats of the same ${patients} patient${patients === 1 ? '' : 's'}`,
      members: members.length,
      nonMembers: nonMembers.length,
      samples: members.length + nonMembers.length,
      model: figures[0] as MembershipFigures,
      parent: figures[1] ?? null,
    };
  }

  // Patient level: member patients against patients never trained on, BEATS_PER_PATIENT beats each at most.
  let patientLevel: MembershipQuestion | { unavailable: string };
  const memberPatients = [...trainedBy.keys()].sort();
  const outsidePatients = [...otherPatients.keys()].sort();
  if (memberPatients.length === 0 || outsidePatients.length === 0) {
    patientLevel = {
      unavailable:
        outsidePatients.length === 0
          ? 'no test patient outside the training records (a split by beat puts every patient in training)'
          : 'no training patient recorded',
    };
  } else {
    const chosen: number[] = [];
    const unit: number[] = [];
    const member: number[] = [];
    [...memberPatients, ...outsidePatients].forEach((group, u) => {
      const isMember = u < memberPatients.length;
      const beats = (isMember ? trainedBy : otherPatients).get(group) ?? [];
      for (const i of subsample(beats, BEATS_PER_PATIENT, deriveSeed(ctx.seed, 'patient', u))) {
        chosen.push(i);
        unit.push(u);
        member.push(isMember ? 1 : 0);
      }
    });
    const figures = await ask(
      chosen,
      Uint8Array.from(member),
      Int32Array.from(unit),
      deriveSeed(ctx.seed, 'patient-level'),
    );
    patientLevel = {
      question: 'patient',
      population: `${memberPatients.length} training patients against ${outsidePatients.length} patients never trained on, each scored by the mean over up to ${BEATS_PER_PATIENT} of its beats${memberPatients.length + outsidePatients.length < 20 ? ' (too few patients for a stable figure: read it as an anecdote)' : ''}`,
      members: memberPatients.length,
      nonMembers: outsidePatients.length,
      samples: chosen.length,
      model: figures[0] as MembershipFigures,
      parent: figures[1] ?? null,
    };
  }
  const primary =
    'question' in sampleLevel ? sampleLevel : 'question' in patientLevel ? patientLevel : undefined;
  if (primary === undefined)
    throw badInput(
      `membership inference has no question to ask of this split: ${(sampleLevel as { unavailable: string }).unavailable}; ${(patientLevel as { unavailable: string }).unavailable}`,
    );
  return {
    question: primary.question,
    population: primary.population,
    members: primary.members,
    nonMembers: primary.nonMembers,
    memberGroups: [...fitGroups],
    shadows:
      shadows > 0
        ? {
            count: shadows,
            epochs,
            arch: trained.arch,
            outPerSample: cost.outPerSample ?? 0,
            secondsPerShadow: cost.secondsPerShadow ?? 0,
            note:
              `each sample has about ${(cost.outPerSample ?? 0).toFixed(1)} OUT shadow models, too few for its own ` +
              `variance (Carlini et al. 2022 train 64 or more): the variance is pooled over all samples. ` +
              `64 shadows would take about ${Math.round(((cost.secondsPerShadow ?? 0) * 64) / 60)} minutes here`,
          }
        : null,
    model: primary.model,
    parent: primary.parent,
    sampleLevel,
    patientLevel,
  };
}
