import { randomBytes } from 'node:crypto';

/** Short, readable, collision-resistant ids with a prefix that says what they name (ds-, m-, job-, val-). */
export function newId(prefix: 'ds' | 'm' | 'job' | 'val' | 'ev'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export function utcNow(): string {
  return new Date().toISOString();
}
