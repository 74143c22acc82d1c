import { badInput } from '../../errors.js';
import { createRng, deriveSeed } from '../../engine/seed.js';

/**
 * How images are split: by group (patient, study or flight: never on both sides), by file (when no group is
 * known; flagged in every report), or as given by the source (MedMNIST's published splits).
 */
export type ImageSplitSpec =
  | { kind: 'groups'; seed: number; testFraction: number }
  | { kind: 'files'; seed: number; testFraction: number }
  | { kind: 'given' };

/** Said of a published split (MedMNIST's) by the import and by its preview alike. */
export const GIVEN_SPLIT_WARNING =
  'split as published with the archive (train to fit, val to choose the epoch, test to test); patients are not known';

export const BY_FILE_WARNING =
  'split by file: no patient, study or flight is known, so images of one patient (or one flight) may sit on both sides and test figures may be optimistic';

export function parseImageSplit(text: string): ImageSplitSpec {
  if (text === 'given') return { kind: 'given' };
  const match = /^(groups|files):(\d+):(0?\.\d+|[01])$/.exec(text);
  const fraction = Number(match?.[3]);
  if (match === null || !(fraction > 0 && fraction < 1))
    throw badInput(
      `--split must be groups:SEED:FRACTION, files:SEED:FRACTION or given (e.g. groups:1:0.3), got "${text}"`,
    );
  return { kind: match[1] as 'groups' | 'files', seed: Number(match[2]), testFraction: fraction };
}

/**
 * The test groups: groups ordered by a seeded draw per group name (so a group's place does not depend on the
 * others), taken until they hold the test fraction of the samples; the train side keeps at least one group.
 */
export function chooseTestGroups(
  groupSizes: Map<string, number>,
  seed: number,
  testFraction: number,
): Set<string> {
  const names = [...groupSizes.keys()].sort();
  if (names.length < 2)
    throw badInput(
      `a split needs at least two groups (patients, studies, flights or files); found ${names.length}`,
    );
  const key = new Map(names.map((n) => [n, createRng(deriveSeed(seed, 'image-split', n))()]));
  const order = names
    .map((_, i) => i)
    .sort((a, b) => (key.get(names[a] as string) as number) - (key.get(names[b] as string) as number));
  const total = [...groupSizes.values()].reduce((a, b) => a + b, 0);
  const test = new Set<string>();
  let taken = 0;
  for (const k of order) {
    if (taken >= testFraction * total || test.size === names.length - 1) break;
    const name = names[k] as string;
    test.add(name);
    taken += groupSizes.get(name) as number;
  }
  return test;
}
