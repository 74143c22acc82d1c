/**
 * Canonical JSON: object keys sorted, no whitespace, so that the same value always hashes the same way,
 * on any machine. Used for audit-event hashes and anything else that is signed or compared by hash.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item);
    }
    return sorted;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
