/**
 * Data sufficiency of a split, checked at import (before any training): a class missing from one side, a single
 * training record, fewer than 5 test records. Each warning says what goes wrong and what to do about it, in
 * the words of the domain (records for ECG, patients or flights for images).
 */
export interface SplitSide {
  classes: Record<string, number>;
  /** Records, patients or flights on this side. */
  groups: number;
}

export const MIN_TEST_GROUPS = 5;

export function dataSufficiencyWarnings(
  sides: { train?: SplitSide | undefined; test?: SplitSide | undefined },
  unit: { one: string; many: string; remedy: string; countGroups?: boolean },
): string[] {
  const { train, test } = sides;
  if (train === undefined || test === undefined) return [];
  const warnings: string[] = [];
  const classes = [...new Set([...Object.keys(train.classes), ...Object.keys(test.classes)])];
  for (const c of classes) {
    const inTrain = train.classes[c] ?? 0;
    const inTest = test.classes[c] ?? 0;
    if (inTrain === 0 && inTest > 0)
      warnings.push(
        `data sufficiency: class ${c} has ${inTest} test sample${inTest === 1 ? '' : 's'} but none for training: the model cannot learn it and will miss every one. ${unit.remedy}`,
      );
    if (inTest === 0 && inTrain > 0)
      warnings.push(
        `data sufficiency: class ${c} has no test sample: its sensitivity cannot be measured. ${unit.remedy}`,
      );
  }
  if (unit.countGroups === false) return warnings;
  if (train.groups === 1)
    warnings.push(
      `data sufficiency: a single training ${unit.one}: the model learns one ${unit.one}'s signals and says little about others. Import more ${unit.many}.`,
    );
  if (test.groups < MIN_TEST_GROUPS)
    warnings.push(
      `data sufficiency: only ${test.groups} test ${test.groups === 1 ? unit.one : unit.many} (fewer than ${MIN_TEST_GROUPS}): confidence intervals will not be meaningful. ${unit.remedy}`,
    );
  return warnings;
}

/** The remedy for ECG records: the standard inter-patient split, k-fold by record, more records. */
export const ECG_RECORDS = {
  one: 'record',
  many: 'records',
  remedy:
    'Use --split ds1ds2 (MIT-BIH), k-fold by record (--split kfold:5:1, then each fold), or import more records holding every class.',
};

/** Image groups; a split given by the source (MedMNIST) has no groups to count. */
export const IMAGE_GROUPS = (groupKind: string) => ({
  one: groupKind,
  many: `${groupKind}s`,
  countGroups: groupKind !== 'given',
  remedy: `Import more ${groupKind}s, or choose another split seed so that every class is on both sides.`,
});
