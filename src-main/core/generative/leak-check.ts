import { badInput } from '../errors.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';

/**
 * Does a generator hand back its training images? For every synthetic patch, the distance to its nearest
 * training image; the yardstick is the same distance for real images the generator never saw (held-out real
 * images): a generator that makes new images of the same kind should be about as close to its training set as
 * new real images are, no closer. A generator that copies (or nearly copies) training images puts many
 * synthetic patches below the lowest percentiles of the real-to-real distances.
 */

export interface LeakCheckInput {
  /** Pixels in [0, 1], back to back, `size` values per image. */
  training: Float32Array;
  heldOut: Float32Array;
  synthetic: Float32Array;
  size: number;
}

/** The distances in one space and what they say. */
export interface LeakSpaceResult {
  space: 'pixels' | 'standardized';
  /** Root-mean-square pixel difference to the nearest training image (pixels in [0, 1]). */
  syntheticToTraining: DistanceSummary;
  heldOutToTraining: DistanceSummary;
  /** Percentiles of the held-out-to-training distances. */
  realP1: number;
  realP5: number;
  /** Shares of synthetic patches closer to a training image than those percentiles. */
  belowRealP1: number;
  belowRealP5: number;
  /** Synthetic patches closer to a training image than every held-out real image is. */
  closerThanAnyReal: number;
  /** Synthetic patches within COPY_DISTANCE of a training image: copies (up to 8-bit rounding in pixels, up to a
   * brightness and contrast change once standardized). */
  nearCopies: number;
  /** Median synthetic distance / median held-out distance: about 1 when synthetic patches are as new as real ones. */
  medianRatio: number;
  /**
   * Share of synthetic patches nearer to a training image than to any held-out real image, both sets cut to the
   * same size: about 0.5 for a generator that does not copy, near 1 for one that does. Evidence, not a test:
   * smooth patches all share the same few nearest neighbours (hubs), which makes the share swing either way.
   */
  closerToTraining: number;
  leaks: boolean;
}

export interface DistanceSummary {
  count: number;
  min: number;
  p1: number;
  p5: number;
  median: number;
  mean: number;
}

export interface LeakCheckResult {
  verdict: 'leak' | 'no-leak';
  /** One plain sentence a reviewer can sign off on. */
  summary: string;
  /** Above these shares of synthetic patches below the real 1st / 5th percentile, the check fails. */
  thresholds: { belowP1: number; belowP5: number };
  spaces: LeakSpaceResult[];
  counts: { training: number; heldOut: number; synthetic: number };
}

/** The share expected at quantile q for a generator that is no closer than new real images, plus a margin:
 * twice the rate, plus three binomial standard errors for n synthetic samples. */
export function leakThreshold(q: number, n: number): number {
  return 2 * q + 3 * Math.sqrt((q * (1 - q)) / Math.max(1, n));
}

/** Linear-interpolation quantile of sorted values. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

/** RMS distance from each query image to its nearest reference image (exhaustive search, exact). */
export function nearestNeighbourDistances(
  queries: Float32Array,
  references: Float32Array,
  size: number,
): Float64Array {
  const nq = queries.length / size;
  const nr = references.length / size;
  const out = new Float64Array(nq);
  for (let q = 0; q < nq; q++) {
    let best = Infinity;
    const qo = q * size;
    for (let r = 0; r < nr; r++) {
      const ro = r * size;
      let sum = 0;
      // Stop early once this reference is already farther than the best one.
      for (let j = 0; j < size && sum < best; j++) {
        const d = (queries[qo + j] as number) - (references[ro + j] as number);
        sum += d * d;
      }
      if (sum < best) best = sum;
    }
    out[q] = Math.sqrt(best / size);
  }
  return out;
}

/** Each image to zero mean and unit variance: a copy with its brightness or contrast changed is still a copy. */
export function standardizeEach(images: Float32Array, size: number): Float32Array {
  const out = new Float32Array(images.length);
  for (let start = 0; start < images.length; start += size) {
    let sum = 0;
    let squares = 0;
    for (let i = start; i < start + size; i++) {
      sum += images[i] as number;
      squares += (images[i] as number) ** 2;
    }
    const mean = sum / size;
    const std = Math.sqrt(Math.max(squares / size - mean * mean, 0)) || 1;
    for (let i = start; i < start + size; i++) out[i] = ((images[i] as number) - mean) / std;
  }
  return out;
}

function summarize(values: Float64Array): { summary: DistanceSummary; sorted: Float64Array } {
  const sorted = Float64Array.from(values).sort();
  return {
    sorted,
    summary: {
      count: sorted.length,
      min: sorted[0] ?? NaN,
      p1: quantileSorted(sorted, 0.01),
      p5: quantileSorted(sorted, 0.05),
      median: quantileSorted(sorted, 0.5),
      mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    },
  };
}

/** `count` of the `n` images of `images`, chosen without replacement from a fixed seed. */
function subset(images: Float32Array, size: number, count: number, label: string): Float32Array {
  const n = images.length / size;
  if (count >= n) return images;
  const order = shuffledIndices(n, createRng(deriveSeed(1, 'leak-check', label, n, count)));
  const out = new Float32Array(count * size);
  for (let k = 0; k < count; k++) {
    const i = order[k] as number;
    out.set(images.subarray(i * size, (i + 1) * size), k * size);
  }
  return out;
}

/**
 * Distances at or below which a synthetic patch is a copy: 1/255 RMS in pixels (8-bit rounding); in standardized
 * units, RMS^2 = 2 (1 - correlation), so 0.045 is a correlation of 0.999 (a copy with brightness or contrast changed).
 */
const COPY_DISTANCE = { pixels: 1 / 255, standardized: 0.045 } as const;

function checkSpace(
  space: LeakSpaceResult['space'],
  input: LeakCheckInput,
  thresholds: LeakCheckResult['thresholds'],
): LeakSpaceResult {
  const { training, heldOut, synthetic, size } = input;
  const real = summarize(nearestNeighbourDistances(heldOut, training, size));
  const fake = summarize(nearestNeighbourDistances(synthetic, training, size));
  const share = (limit: number, strict = true) =>
    fake.sorted.filter((d) => (strict ? d < limit : d <= limit)).length / Math.max(1, fake.sorted.length);
  const belowRealP1 = share(real.summary.p1);
  const belowRealP5 = share(real.summary.p5);
  const common = Math.min(training.length, heldOut.length) / size;
  const toTraining = nearestNeighbourDistances(synthetic, subset(training, size, common, 'training'), size);
  const toHeldOut = nearestNeighbourDistances(synthetic, subset(heldOut, size, common, 'held-out'), size);
  const closerToTraining =
    toTraining.filter((d, k) => d < (toHeldOut[k] as number)).length / Math.max(1, toTraining.length);
  return {
    space,
    syntheticToTraining: fake.summary,
    heldOutToTraining: real.summary,
    realP1: real.summary.p1,
    realP5: real.summary.p5,
    belowRealP1,
    belowRealP5,
    closerThanAnyReal: fake.sorted.filter((d) => d < real.summary.min).length,
    nearCopies: fake.sorted.filter((d) => d <= COPY_DISTANCE[space]).length,
    medianRatio: fake.summary.median / real.summary.median,
    closerToTraining,
    leaks: belowRealP1 > thresholds.belowP1 || belowRealP5 > thresholds.belowP5,
  };
}

const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

/**
 * The nearest-neighbour leak check in pixel space and in standardized pixels (each image to zero mean and unit
 * variance, so that an intensity-shifted copy still counts as a copy). The generator fails when, in either
 * space, more synthetic patches lie below the real 1st or 5th percentile than `leakThreshold` allows, or when
 * any synthetic patch is a copy of a training image (COPY_DISTANCE).
 */
export function checkLeakage(input: LeakCheckInput): LeakCheckResult {
  const { size } = input;
  const counts = {
    training: input.training.length / size,
    heldOut: input.heldOut.length / size,
    synthetic: input.synthetic.length / size,
  };
  for (const [name, value] of Object.entries(counts))
    if (!Number.isInteger(value) || value < 1)
      throw badInput(`the leak check needs whole images of ${size} values in each set; ${name} has ${value}`);
  if (counts.heldOut < 20)
    throw badInput(
      `the leak check needs at least 20 held-out real images for its reference distances, got ${counts.heldOut}`,
    );
  const thresholds = {
    belowP1: leakThreshold(0.01, counts.synthetic),
    belowP5: leakThreshold(0.05, counts.synthetic),
  };
  const spaces = [
    checkSpace('pixels', input, thresholds),
    checkSpace(
      'standardized',
      {
        training: standardizeEach(input.training, size),
        heldOut: standardizeEach(input.heldOut, size),
        synthetic: standardizeEach(input.synthetic, size),
        size,
      },
      thresholds,
    ),
  ];
  const pixels = spaces[0] as LeakSpaceResult;
  const worst = spaces.reduce((a, b) => (b.belowRealP5 > a.belowRealP5 ? b : a));
  // Even one copy of a training image is a leak of that image.
  const copies = Math.max(...spaces.map((s) => s.nearCopies));
  const leaks = spaces.some((s) => s.leaks) || copies > 0;
  const where = worst.space === 'pixels' ? 'in pixel space' : 'after standardizing each image';
  const towards = `${percent(worst.closerToTraining)} of them are nearer to a training image than to an equally large set of held-out real images (about 50% for a generator that does not copy)`;
  const summary = leaks
    ? `Leak: ${percent(worst.belowRealP5)} of the ${counts.synthetic} synthetic patches are closer to a training image than 95% of new real images are (${percent(worst.belowRealP1)} below the 1st percentile, ${where}); ${copies} are copies up to 8-bit rounding or a brightness and contrast change; ${towards}. ` +
      (copies > 0 || worst.closerToTraining > 0.9
        ? 'The generator reproduces training images: do not use or share its samples.'
        : 'Its samples sit closer to its training images than new real images do: inspect them before using or sharing them (smooth, averaged-looking patches also sit close to every real image).')
    : `No leak found: ${percent(pixels.belowRealP5)} of the ${counts.synthetic} synthetic patches are closer to a training image than the real-to-real 5th percentile (5% expected, limit ${percent(thresholds.belowP5)}), ${percent(pixels.belowRealP1)} below the 1st (limit ${percent(thresholds.belowP1)}); none is a copy of a training image.` +
      (pixels.medianRatio > 1.5
        ? ` The synthetic patches are farther from the training images than new real images are (median distance ${pixels.medianRatio.toFixed(2)}x the real one): they do not copy, but may not look like the data.`
        : '');
  return { verdict: leaks ? 'leak' : 'no-leak', summary, thresholds, spaces, counts };
}

/** The figures of each space worth keeping in the audit trail (the distance summaries stay in the job result). */
export function leakFigures(result: LeakCheckResult): Record<string, number | string>[] {
  return result.spaces.map((s) => ({
    space: s.space,
    belowRealP1: s.belowRealP1,
    belowRealP5: s.belowRealP5,
    closerToTraining: s.closerToTraining,
    medianRatio: s.medianRatio,
    nearCopies: s.nearCopies,
  }));
}
