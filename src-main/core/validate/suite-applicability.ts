import { badInput } from '../errors.js';

/** Suites that only apply to one kind of dataset; every other suite applies to every classification dataset. */
const ONLY_FOR: Record<string, { kind: string; why: string; instead: string }> = {
  noise: {
    kind: 'ecg-beats',
    why: 'adds recorded ECG noise to beats in mV',
    instead: 'for images use corruptions',
  },
  corruptions: { kind: 'images', why: 'corrupts images', instead: 'for ECG use the noise suite' },
};

/**
 * Refuses, before anything runs, a suite that cannot apply to the dataset: a validation that runs clean and
 * attacks for minutes and then fails on the noise suite of an image dataset loses all of it.
 */
export function checkSuitesApply(dataset: { id: string; kind: string }, suites: readonly string[]): void {
  const wrong = suites.filter((suite) => {
    const only = ONLY_FOR[suite];
    return only !== undefined && only.kind !== dataset.kind;
  });
  if (wrong.length === 0) return;
  throw badInput(
    wrong
      .map((suite) => {
        const only = ONLY_FOR[suite];
        return `the ${suite} suite ${only?.why}; dataset ${dataset.id} is ${dataset.kind} (${only?.instead})`;
      })
      .join('; ') + '. Nothing was run.',
  );
}
