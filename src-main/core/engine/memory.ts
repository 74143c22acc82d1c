import { AttestError } from '../errors.js';
import { tf } from './tf.js';

/**
 * Leak checks for code that holds TF.js tensors: a tensor that is never disposed keeps its memory (on the wasm
 * heap or in native TensorFlow) for the life of the engine host, so long jobs would grow without bound.
 */

/** Distinct tensors in a value, looking into arrays, plain objects, Maps and Sets (as tf.tidy does for arrays). */
function tensorsIn(value: unknown, found = new Set<tf.Tensor>(), depth = 0): Set<tf.Tensor> {
  if (value === null || typeof value !== 'object' || depth > 8) return found;
  if (value instanceof tf.Tensor) {
    if (!value.isDisposed) found.add(value);
  } else if (Array.isArray(value) || value instanceof Set) {
    for (const item of value) tensorsIn(item, found, depth + 1);
  } else if (value instanceof Map) {
    for (const item of value.values()) tensorsIn(item, found, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) tensorsIn(item, found, depth + 1);
  }
  return found;
}

interface Mark {
  numTensors: number;
  /** Tensor ids are handed out in increasing order: ids at or above this one were created after the mark. */
  firstNewId: number;
}

function mark(): Mark {
  // Engine.nextTensorId is public in JavaScript, private only in tfjs-core's typings. Taking an id consumes it;
  // ids are only labels, so this changes no value any computation sees.
  const engine = tf.engine() as unknown as { nextTensorId(): number };
  return { numTensors: tf.memory().numTensors, firstNewId: engine.nextTensorId() + 1 };
}

function check(label: string, before: Mark, result: unknown): void {
  let returned = 0;
  for (const t of tensorsIn(result)) if (t.id >= before.firstNewId) returned++;
  const grown = tf.memory().numTensors - before.numTensors - returned;
  if (grown !== 0) {
    const what = grown > 0 ? `leaked ${grown} tensor(s)` : `disposed ${-grown} tensor(s) it did not own`;
    throw new AttestError(
      'INTERNAL',
      `${label}: ${what} (numTensors ${before.numTensors} -> ` +
        `${tf.memory().numTensors}, ${returned} new tensor(s) returned)`,
    );
  }
}

/**
 * Runs `fn` and throws if the number of live tensors changed, not counting new tensors that `fn` returns (in
 * an array or plain object too): those are the caller's to dispose.
 */
export function assertNoLeak<T>(label: string, fn: () => T): T {
  const before = mark();
  const result = fn();
  check(label, before, result);
  return result;
}

/** The same check around an async function (training, reading tensor data). */
export async function assertNoLeakAsync<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const before = mark();
  const result = await fn();
  check(label, before, result);
  return result;
}
