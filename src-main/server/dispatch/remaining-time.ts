/**
 * Seconds left for a job, from the time it has run and the fraction it has done: a straight-line estimate,
 * withheld until a little progress exists (the first batches include warm-up and would mislead).
 */
export function estimateRemainingSeconds(elapsedMs: number, fraction: number): number | null {
  if (!Number.isFinite(fraction) || fraction < 0.02 || fraction >= 1 || elapsedMs < 1000) return null;
  return Math.max(0, Math.round(((elapsedMs / fraction) * (1 - fraction)) / 1000));
}
