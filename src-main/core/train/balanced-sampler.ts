import { badInput } from '../errors.js';
import { shuffledIndices } from '../engine/seed.js';

/** How each epoch's samples are drawn from the training set. */
export type SamplerName = 'shuffle' | 'balanced';
export const SAMPLER_NAMES: SamplerName[] = ['shuffle', 'balanced'];

/**
 * A class seen only a few times is repeated at most this many times an epoch: MIT-BIH's Q class (a dozen beats
 * in a half of DS1) would otherwise fill a fifth of every epoch with the same beats and be learnt by heart.
 * The same cap as the balanced class weights' (class-weights.ts).
 */
export const MAX_REPEATS = 25;

export function parseSampler(text: string): SamplerName {
  if (!SAMPLER_NAMES.includes(text as SamplerName))
    throw badInput(`--sampler takes ${SAMPLER_NAMES.join(' or ')}, got "${text}"`);
  return text as SamplerName;
}

/**
 * How many samples of each class one balanced epoch draws: as equal as the classes allow, a class with few
 * samples taking at most MAX_REPEATS times its count and the rest going to the others (water-filling from the
 * rarest class up). The quotas add up to the number of samples, so an epoch has as many steps as a shuffled
 * one and recipes compare at equal steps.
 */
export function balancedQuotas(counts: readonly number[], total: number): number[] {
  const quotas = counts.map(() => 0);
  const present = counts.map((count, k) => ({ count, k })).filter((c) => c.count > 0);
  present.sort((a, b) => a.count - b.count || a.k - b.k);
  let remaining = total;
  present.forEach(({ count, k }, i) => {
    const last = i === present.length - 1;
    const share = Math.floor(remaining / (present.length - i));
    const quota = last ? remaining : Math.min(count * MAX_REPEATS, share);
    quotas[k] = quota;
    remaining -= quota;
  });
  return quotas;
}

/**
 * One epoch's sample order with every class drawn to its balanced quota: a class with more samples than its
 * quota gives a different random subset each epoch (without repeats within the epoch), a class with fewer is
 * repeated, every copy once before any twice. Training on it needs no class weights: each batch holds the
 * classes about equally, so the rare classes' gradients come from many batches instead of a few heavily
 * weighted samples. Deterministic for the random source.
 */
export function balancedEpochOrder(
  labels: ArrayLike<number>,
  classes: number,
  rng: () => number,
): Int32Array {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i] as number]?.push(i);
  const quotas = balancedQuotas(
    byClass.map((members) => members.length),
    labels.length,
  );
  const drawn: number[] = [];
  byClass.forEach((members, k) => {
    let left = quotas[k] as number;
    while (left > 0) {
      const pass = shuffledIndices(members.length, rng);
      for (let j = 0; j < pass.length && left > 0; j++, left--)
        drawn.push(members[pass[j] as number] as number);
    }
  });
  const mixed = shuffledIndices(drawn.length, rng);
  return Int32Array.from(mixed, (j) => drawn[j] as number);
}
