/**
 * Fully quantized training at 8 bits, the weight and gradient side (activations: DynamicFakeQuant layers in the
 * network): every gradient is rounded to 255 symmetric levels of its own largest magnitude before the optimizer
 * sees it, and after every step the weights go back onto an 8-bit grid (per output channel for kernels, per
 * tensor for biases), both with stochastic rounding, which keeps small updates unbiased instead of losing them
 * (Gupta et al. 2015; Wu et al. 2018, WAGE).
 */

/** v rounded down or up to an integer with probability by proximity (E[result] = v). */
function stochasticRound(v: number, random: () => number): number {
  const floor = Math.floor(v);
  return random() < v - floor ? floor + 1 : floor;
}

function quantizeRange(
  values: Float32Array,
  from: number,
  to: number,
  stride: number,
  random: () => number,
): void {
  let max = 0;
  for (let i = from; i < to; i += stride) max = Math.max(max, Math.abs(values[i] as number));
  if (max === 0) return;
  const scale = max / 127;
  for (let i = from; i < to; i += stride) {
    const q = Math.max(-127, Math.min(127, stochasticRound((values[i] as number) / scale, random)));
    values[i] = q * scale;
  }
}

/** In place: a gradient on 255 levels of its own largest magnitude. */
export function quantizeGradient8(values: Float32Array, random: () => number): void {
  quantizeRange(values, 0, values.length, 1, random);
}

/** In place: kernels (rank >= 2, output channels last) per channel, other weights per tensor. */
export function quantizeWeights8(values: Float32Array, shape: readonly number[], random: () => number): void {
  const channels = shape.length >= 2 ? (shape[shape.length - 1] as number) : 1;
  for (let c = 0; c < channels; c++) quantizeRange(values, c, values.length, channels, random);
}

/** Distinct 8-bit levels per output channel are at most 255: what the tests (and a reviewer) can check. */
export function levelsPerChannel(values: Float32Array, shape: readonly number[]): number[] {
  const channels = shape.length >= 2 ? (shape[shape.length - 1] as number) : 1;
  return Array.from({ length: channels }, (_, c) => {
    const seen = new Set<number>();
    for (let i = c; i < values.length; i += channels) seen.add(values[i] as number);
    return seen.size;
  });
}
