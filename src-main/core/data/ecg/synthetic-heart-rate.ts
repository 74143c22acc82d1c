/**
 * Resting heart rates from 62 to 82 bpm across patients: wide enough to vary, narrow enough that a premature
 * beat of a slow patient is not confused with a normal beat of a fast one.
 */
export function syntheticHeartRate(recordSeed: number): number {
  return 62 + (recordSeed % 2001) / 100;
}
