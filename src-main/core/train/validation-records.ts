import { badInput } from '../errors.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';

/**
 * Holds out whole training records for validation (never single beats), so that early stopping is judged on
 * patients the model has not seen, as the test will be.
 */
export function chooseValidationRecords(trainRecords: number[], fraction: number, seed: number): Set<number> {
  if (trainRecords.length < 2) {
    throw badInput(
      'training needs at least 2 records in the train split: one or more are held out, by record, for validation',
    );
  }
  const order = shuffledIndices(trainRecords.length, createRng(deriveSeed(seed, 'validation-records')));
  const count = Math.min(trainRecords.length - 1, Math.max(1, Math.round(trainRecords.length * fraction)));
  return new Set(Array.from(order.slice(0, count), (i) => trainRecords[i] as number));
}
