/**
 * Min/max envelopes of a long signal at any zoom, as waveform viewers draw them: each screen column shows the
 * lowest and highest sample under it, so a narrow QRS or a spike never disappears when a 30-minute record is
 * squeezed into 1,000 columns. Levels hold the min and max of blocks of 4^k samples, so one column costs a few
 * block lookups however many samples it covers. NaN samples (gaps) are skipped; a column of gaps is NaN.
 */
/** Folds min[from..to) and max[from..to) into (lo, hi), skipping NaN. */
function scan(
  min: Float32Array,
  max: Float32Array,
  from: number,
  to: number,
  lo: number,
  hi: number,
): [number, number] {
  for (let i = from; i < to; i++) {
    const a = min[i] as number;
    const c = max[i] as number;
    if (a < lo || (Number.isNaN(lo) && !Number.isNaN(a))) lo = a;
    if (c > hi || (Number.isNaN(hi) && !Number.isNaN(c))) hi = c;
  }
  return [lo, hi];
}

export class MinMaxPyramid {
  private readonly levels: { min: Float32Array; max: Float32Array }[] = [];

  constructor(readonly signal: Float32Array) {
    let min = signal;
    let max = signal;
    while (min.length > 4) {
      const n = Math.ceil(min.length / 4);
      const nextMin = new Float32Array(n);
      const nextMax = new Float32Array(n);
      for (let b = 0; b < n; b++) {
        const [lo, hi] = scan(min, max, 4 * b, Math.min(min.length, 4 * b + 4), NaN, NaN);
        nextMin[b] = lo;
        nextMax[b] = hi;
      }
      this.levels.push({ min: nextMin, max: nextMax });
      min = nextMin;
      max = nextMax;
    }
  }

  /** Min and max of samples [from, to), NaN when all are NaN or the range is empty. */
  range(from: number, to: number): [number, number] {
    let lo = NaN;
    let hi = NaN;
    from = Math.max(0, from);
    to = Math.min(this.signal.length, to);
    // Climb: at each level take the unaligned ends from the level below, then go up with the aligned middle.
    let level = -1;
    let a = from;
    let b = to;
    while (a < b) {
      const min = level < 0 ? this.signal : (this.levels[level]?.min as Float32Array);
      const max = level < 0 ? this.signal : (this.levels[level]?.max as Float32Array);
      if (level + 1 >= this.levels.length || b - a < 8) {
        [lo, hi] = scan(min, max, a, b, lo, hi);
        break;
      }
      const alignedA = Math.ceil(a / 4) * 4;
      const alignedB = Math.floor(b / 4) * 4;
      [lo, hi] = scan(min, max, a, Math.min(alignedA, b), lo, hi);
      [lo, hi] = scan(min, max, Math.max(alignedB, alignedA), b, lo, hi);
      a = alignedA / 4;
      b = alignedB / 4;
      level++;
    }
    return [lo, hi];
  }

  /** `points` columns over samples [from, to): the min and max under each. */
  envelope(from: number, to: number, points: number): { min: Float32Array; max: Float32Array } {
    const min = new Float32Array(points);
    const max = new Float32Array(points);
    const step = (to - from) / points;
    for (let p = 0; p < points; p++) {
      const [lo, hi] = this.range(Math.floor(from + p * step), Math.floor(from + (p + 1) * step));
      min[p] = lo;
      max[p] = hi;
    }
    return { min, max };
  }
}
