import type { tfl } from '../engine/tf.js';
import { createRng, deriveSeed } from '../engine/seed.js';
import { fgsmPerturb } from './fgsm.js';
import { pgdPerturb } from './pgd.js';
import { predictClasses } from '../predict/predict.js';
import type { HardeningOptions } from '../train/adversarial-hardening.js';

/**
 * Adversarial training batch by batch, as the papers do it: each batch's adversarial examples are made against
 * the weights that the batch then updates (Madry et al. 2018 for PGD). Made once per epoch, most examples are
 * stale by the time they are trained on: the model has already moved past them.
 *
 * `diverse` is diversity adversarial training (Kwon & Lee 2021): every batch mixes the attack types, FGSM, PGD
 * L-inf and PGD L2, in turn over the batch's perturbed samples, so that no batch teaches the model only one
 * attack's direction. `pgd` perturbs with PGD L-inf alone.
 */

export const ATTACK_NAMES = ['fgsm', 'pgd-linf', 'pgd-l2'] as const;
export type AttackName = (typeof ATTACK_NAMES)[number];

export interface BatchFigures {
  /** Per sample of the batch: -1 clean, else the index in ATTACK_NAMES of the attack that replaced it. */
  attacks: Int8Array;
}

export interface EpochHardeningFigures {
  perturbed: number;
  byAttack: Record<AttackName, number>;
  /** Share of perturbed samples of each class that the attack fooled (null: none of that class perturbed). */
  successByClass: (number | null)[];
}

export interface BatchHardening {
  /** Replaces the chosen samples of one batch (its inputs and labels, in place) by adversarial copies. */
  perturbBatch(x: Float32Array, y: Int32Array, epoch: number, batch: number): BatchFigures;
  /** What the batches of an epoch did (perturbed samples per attack, per-class success). */
  epochFigures(epoch: number): EpochHardeningFigures;
}

/** The gradient-attack hardening kinds (`pgd`, `diverse`) made per batch. */
export function batchHardening(o: {
  model: tfl.LayersModel;
  sampleShape: number[];
  classes: number;
  hardening: HardeningOptions;
  seed: number;
  /** 1 where the attacks may change a value, 0 on a context tail (R-R intervals stay as the heart gave them). */
  mask?: Float32Array;
}): BatchHardening {
  const h = o.hardening;
  if (h.kind === 'manifold') throw new Error('on-manifold noise does not depend on the weights: per epoch');
  const size = o.sampleShape.reduce((a, b) => a * b, 1);
  const kinds = h.kind === 'diverse' ? [0, 1, 2] : [1];
  // Running counts of the current epoch; per-class weighting uses the success of the epoch's earlier batches.
  const perEpoch = new Map<
    number,
    { byAttack: number[]; tried: number[]; fooled: number[]; prior: (number | null)[] }
  >();
  const countsOf = (epoch: number) => {
    let counts = perEpoch.get(epoch);
    if (counts === undefined) {
      const previous = perEpoch.get(epoch - 1);
      counts = {
        byAttack: [0, 0, 0],
        tried: new Array<number>(o.classes).fill(0),
        fooled: new Array<number>(o.classes).fill(0),
        // The last epoch's success rates, weighted as one sample per class, until this epoch has its own.
        prior: Array.from({ length: o.classes }, (_, c) =>
          previous !== undefined && (previous.tried[c] as number) > 0
            ? (previous.fooled[c] as number) / (previous.tried[c] as number)
            : null,
        ),
      };
      perEpoch.set(epoch, counts);
    }
    return counts;
  };
  const craft = (kind: number, inputs: Float32Array, labels: Int32Array, seed: number): Float32Array => {
    const common = {
      model: o.model,
      inputs,
      labels,
      sampleShape: o.sampleShape,
      classes: o.classes,
      seed,
      ...(o.mask !== undefined ? { mask: o.mask } : {}),
    };
    if (kind === 0) return fgsmPerturb({ ...common, epsilon: h.strength });
    if (kind === 1) return pgdPerturb({ ...common, epsilon: h.strength, settings: { steps: h.steps } });
    // PGD L2 of radius epsilon * sqrt(size / 3): the L2 norm of an L-inf perturbation that moves a third of the
    // values fully, so the three attacks have comparable strength.
    return pgdPerturb({
      ...common,
      epsilon: h.strength * Math.sqrt(size / 3),
      settings: { steps: h.steps, norm: 'L2' },
    });
  };
  return {
    perturbBatch(x, y, epoch, batch) {
      const n = y.length;
      const counts = countsOf(epoch);
      const rng = createRng(deriveSeed(o.seed, 'harden-batch', epoch, batch));
      const share = (c: number): number => {
        if (!h.perClassWeighting) return h.fraction;
        const rates = counts.tried.map((t, k) => {
          const prior = counts.prior[k] ?? null;
          const fooled = (counts.fooled[k] as number) + (prior ?? 0);
          const tried = t + (prior !== null ? 1 : 0);
          return tried > 0 ? fooled / tried : null;
        });
        const known = rates.filter((r): r is number => r !== null);
        const mean = known.reduce((a, b) => a + b, 0) / Math.max(1, known.length);
        const rate = rates[c];
        return rate === null || rate === undefined || mean === 0
          ? h.fraction
          : Math.min(1, (h.fraction * rate) / mean);
      };
      const attacks = new Int8Array(n).fill(-1);
      // The chosen samples take the attack kinds in turn, starting where the previous batch left off.
      let turn = batch;
      for (let i = 0; i < n; i++)
        if (rng() < share(y[i] as number)) attacks[i] = kinds[turn++ % kinds.length] as number;
      for (const kind of kinds) {
        const members = Array.from(attacks.keys()).filter((i) => attacks[i] === kind);
        if (members.length === 0) continue;
        const inputs = new Float32Array(members.length * size);
        members.forEach((i, k) => inputs.set(x.subarray(i * size, (i + 1) * size), k * size));
        const labels = Int32Array.from(members, (i) => y[i] as number);
        const perturbed = craft(
          kind,
          inputs,
          labels,
          deriveSeed(o.seed, 'harden-attack', epoch, batch, kind),
        );
        if (h.perClassWeighting) {
          const after = predictClasses(o.model, perturbed, o.sampleShape);
          labels.forEach((c, k) => {
            counts.tried[c] = (counts.tried[c] as number) + 1;
            if (after[k] !== c) counts.fooled[c] = (counts.fooled[c] as number) + 1;
          });
        }
        members.forEach((i, k) => x.set(perturbed.subarray(k * size, (k + 1) * size), i * size));
        counts.byAttack[kind] = (counts.byAttack[kind] as number) + members.length;
      }
      return { attacks };
    },
    epochFigures(epoch) {
      const counts = countsOf(epoch);
      const byAttack = Object.fromEntries(
        ATTACK_NAMES.map((name, k) => [name, counts.byAttack[k] ?? 0]),
      ) as Record<AttackName, number>;
      return {
        perturbed: counts.byAttack.reduce((a, b) => a + b, 0),
        byAttack,
        successByClass: counts.tried.map((t, c) => (t > 0 ? (counts.fooled[c] as number) / t : null)),
      };
    },
  };
}
