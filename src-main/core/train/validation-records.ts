import { badInput } from '../errors.js';
import { createRng, deriveSeed, shuffledIndices } from '../engine/seed.js';

/** The training samples' labels and groups, so that the choice can keep every class on the training side. */
export interface ValidationCandidates {
  labels: ArrayLike<number>;
  group: ArrayLike<number>;
  /** The samples of the train split. */
  indices: ArrayLike<number>;
}

/** How many seeded draws are tried before the best one seen is taken. */
const DRAWS = 64;
/** A draw may be taken when every class keeps at least this share of its samples for fitting. */
const KEPT_SHARE = 0.5;

/**
 * Holds out whole training records for validation (never single beats), so that early stopping is judged on
 * patients the model has not seen, as the test will be. With few records a class often lives mostly in one of
 * them (MIT-BIH's fusion beats in record 208): holding that record out would leave the model nothing to learn
 * the class from and make validation judge it on a class it never saw. So seeded draws are tried in turn and
 * among those that leave at least half of every class's samples for fitting, the first whose held-out records
 * hold the most classes is taken (else the draw that keeps the largest smallest share); the draws depend only on the seed, so the choice stays reproducible.
 */
export function chooseValidationRecords(
  trainRecords: number[],
  fraction: number,
  seed: number,
  candidates?: ValidationCandidates,
): Set<number> {
  if (trainRecords.length < 2) {
    throw badInput(
      'training needs at least 2 records in the train split: one or more are held out, by record, for validation',
    );
  }
  const count = Math.min(trainRecords.length - 1, Math.max(1, Math.round(trainRecords.length * fraction)));
  const draw = (k: number): Set<number> => {
    const rng = createRng(
      k === 0 ? deriveSeed(seed, 'validation-records') : deriveSeed(seed, 'validation-records', k),
    );
    const order = shuffledIndices(trainRecords.length, rng);
    return new Set(Array.from(order.slice(0, count), (i) => trainRecords[i] as number));
  };
  if (candidates === undefined) return draw(0);
  const perRecord = classCountsByRecord(candidates);
  const totals = new Map<number, number>();
  for (const counts of perRecord.values())
    for (const [label, n] of counts) totals.set(label, (totals.get(label) ?? 0) + n);
  let best: { held: Set<number>; share: number } | undefined;
  let covering: { held: Set<number>; classes: number } | undefined;
  for (let k = 0; k < DRAWS; k++) {
    const held = draw(k);
    const share = smallestKeptShare(perRecord, totals, held);
    if (share >= KEPT_SHARE) {
      // Among the draws that keep enough of every class, the one whose held-out records hold the most classes:
      // validation records with normal beats only would score every epoch's macro-F1 on N alone, and early
      // stopping would keep the first epoch (MIT-BIH records 115 and 122 hold nothing else).
      const classes = heldClasses(perRecord, held);
      if (covering === undefined || classes > covering.classes) covering = { held, classes };
      if (classes === totals.size) break;
    }
    if (best === undefined || share > best.share) best = { held, share };
  }
  return (covering ?? (best as { held: Set<number> })).held;
}

/** How many classes occur in the held-out records. */
function heldClasses(perRecord: Map<number, Map<number, number>>, held: Set<number>): number {
  const classes = new Set<number>();
  for (const record of held) for (const label of perRecord.get(record)?.keys() ?? []) classes.add(label);
  return classes.size;
}

function classCountsByRecord(c: ValidationCandidates): Map<number, Map<number, number>> {
  const out = new Map<number, Map<number, number>>();
  for (let k = 0; k < c.indices.length; k++) {
    const i = c.indices[k] as number;
    const record = c.group[i] as number;
    const label = c.labels[i] as number;
    const counts = out.get(record) ?? new Map<number, number>();
    counts.set(label, (counts.get(label) ?? 0) + 1);
    out.set(record, counts);
  }
  return out;
}

/** The smallest share, over the classes of the train split, of a class's samples left for fitting. */
function smallestKeptShare(
  perRecord: Map<number, Map<number, number>>,
  totals: Map<number, number>,
  held: Set<number>,
): number {
  let smallest = 1;
  for (const [label, total] of totals) {
    let kept = 0;
    for (const [record, counts] of perRecord) if (!held.has(record)) kept += counts.get(label) ?? 0;
    smallest = Math.min(smallest, kept / total);
  }
  return smallest;
}
