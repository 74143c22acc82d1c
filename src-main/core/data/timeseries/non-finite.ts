/** Index of the first NaN or infinite value, or undefined when every value is finite. */
export function firstNonFinite(values: ArrayLike<number>): number | undefined {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i] as number)) return i;
  return undefined;
}
