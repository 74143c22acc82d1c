import type { AugmentRow, GeneratorUsed } from './augment-rows.js';

const NAMES: Record<AugmentRow['configuration'], string> = {
  none: 'no augmentation',
  classic: 'classical augmentation',
  synthetic: 'synthetic patches',
  both: 'synthetic patches with classical augmentation',
};

const signed = (v: number) => `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(3)}`;

/**
 * The comparison in a few sentences a reviewer can read without the table: per share of the data, the baseline's
 * test macro-F1 and what each configuration changed, whether the change is larger than the baseline's own spread
 * across seeds, and the leak verdicts of the generators used. Zero and negative gains are reported as such.
 */
export function describeAugmentComparison(
  rows: AugmentRow[],
  generators: GeneratorUsed[],
  seeds: number,
): string {
  const sentences: string[] = [];
  const fractions = [...new Set(rows.map((r) => r.fraction))];
  for (const fraction of fractions) {
    const here = rows.filter((r) => r.fraction === fraction);
    const base = here.find((r) => r.configuration === 'none');
    if (base === undefined) continue;
    const share =
      fraction === 1
        ? 'With all the training data'
        : `With ${Math.round(fraction * 100)}% of the training data`;
    const others = here.filter((r) => r.configuration !== 'none');
    const parts = others.map(
      (r) => `${NAMES[r.configuration]} ${signed(r.gainMacroF1)} (accuracy ${signed(r.gainAccuracy)})`,
    );
    sentences.push(
      `${share}, the plain baseline reaches a test macro-F1 of ${base.meanMacroF1.toFixed(3)} (accuracy ${base.meanAccuracy.toFixed(3)}); against it, ${parts.join(', ')}.`,
    );
    const best = others.reduce<AugmentRow | undefined>(
      (a, r) => (a === undefined || r.gainMacroF1 > a.gainMacroF1 ? r : a),
      undefined,
    );
    if (best === undefined) continue;
    const noise = Math.max(base.sdMacroF1, best.sdMacroF1);
    if (best.gainMacroF1 <= 0) sentences.push(`No augmentation improved on the baseline here.`);
    else if (seeds < 2)
      sentences.push(
        `The largest gain (${NAMES[best.configuration]}) comes from a single seed: repeat with --seeds 1,2,3 before relying on it.`,
      );
    else if (best.gainMacroF1 <= noise)
      sentences.push(
        `The largest gain (${NAMES[best.configuration]}, ${signed(best.gainMacroF1)}) is within the spread between seeds (${noise.toFixed(3)}): not evidence of an improvement.`,
      );
    else
      sentences.push(
        `The largest gain (${NAMES[best.configuration]}, ${signed(best.gainMacroF1)}) exceeds the spread between seeds (${noise.toFixed(3)}).`,
      );
  }
  const leaking = generators.filter((g) => g.verdict === 'leak');
  if (generators.length > 0)
    sentences.push(
      leaking.length === 0
        ? `All ${generators.length} generator${generators.length > 1 ? 's' : ''} passed the leak check (nearest-neighbour distances to the training images no closer than those of new real images).`
        : `Generator${leaking.length > 1 ? 's' : ''} ${leaking.map((g) => g.generatorId).join(', ')} failed the leak check: their synthetic patches sit closer to training images than new real images do (the leak check of each says whether they are copies or merely smooth); inspect them before using or sharing them.`,
    );
  return sentences.join(' ');
}
