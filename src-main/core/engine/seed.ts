import { badInput } from '../errors.js';

/**
 * Seeded randomness for everything the project shuffles or initialises: the same seed gives the same stream on
 * every machine, so a split, a shuffle order or a set of initial weights can be reproduced from the audit trail.
 */

/** Mixes 32 bits so that neighbouring seeds (0, 1, 2...) start unrelated streams (splitmix32 finaliser). */
function mix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

function checkSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw badInput(`seed must be a finite number, got ${seed}`);
}

/** Folds any finite number (negative, fractional, above 2^32) into 32 bits without losing its high part. */
function seedBits(seed: number): number {
  if (Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32) return seed >>> 0;
  return fnv1a(String(seed));
}

/**
 * A fast deterministic PRNG (mulberry32) returning numbers in [0, 1). Not for cryptography: it only has to be
 * reproducible and well spread.
 */
export function createRng(seed: number): () => number {
  checkSeed(seed);
  let state = mix32(seedBits(seed));
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The same generator seeded with the seed's 32 bits as they are, without createRng's mixing: the stream of the
 * noise stress test's noise placement and the record bootstrap's resampling since their first stored results,
 * kept so that those results reproduce. New code uses createRng (neighbouring seeds start unrelated streams).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One standard normal draw from a uniform stream (Box-Muller, cosine branch): two uniforms per draw, the radius
 * first, so a seeded stream gives the same draws wherever it is used.
 */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates), drawn from `rng`. */
export function shuffledIndices(n: number, rng: () => number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw badInput(`cannot shuffle ${n} indices`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return order;
}

function fnv1a(text: string, hash = 0x811c9dc5): number {
  let h = hash >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A stable sub-seed for one use of a run's seed (a layer's initializer, an epoch's shuffle): the same seed and
 * labels always give the same 32-bit integer, different labels give unrelated ones. Labels are typed
 * (`1` and `'1'` differ) and separated, so ('ab', 'c') and ('a', 'bc') differ too.
 */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  checkSeed(seed);
  let h = mix32(seedBits(seed) ^ 0x9e3779b9);
  for (const label of labels) {
    const text = typeof label === 'number' ? `n:${label}` : `s:${label.length}:${label}`;
    h = mix32(fnv1a(text, h));
  }
  return h;
}
