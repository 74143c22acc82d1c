import type { RedisOptions } from 'bullmq';
import { badInput } from '../../core/errors.js';

/** The one queue every desk submits to and every worker takes from. */
export const QUEUE_NAME = 'attest-jobs';

/** A Redis URL as people write it, checked before any connection is tried. */
export function redisConnection(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badInput(`the job queue address "${url}" is not a URL: write redis://HOST:PORT`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw badInput(`the job queue address "${url}" is not a Redis URL: write redis://HOST:PORT`);
  return { url, connectTimeout: 3000 };
}

/** HOST:PORT for messages: the URL may carry a password, which no message or log repeats. */
export function redisPlace(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port === '' ? '6379' : parsed.port}`;
  } catch {
    return 'the job queue';
  }
}

/** Rejects with `message` when `promise` has not settled within `ms` (a Redis that does not answer). */
export function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(badInput(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? badInput(`${message}: ${error.message}`) : badInput(message));
      },
    );
  });
}
