/** The five AAMI EC57 heartbeat classes, in the order used for label indices everywhere in Attest. */
export const AAMI_CLASSES = ['N', 'S', 'V', 'F', 'Q'] as const;
export type AamiClass = (typeof AAMI_CLASSES)[number];

/**
 * MIT-BIH beat symbols by AAMI class (ANSI/AAMI EC57): N = normal, bundle branch block and escape beats;
 * S = supraventricular ectopic; V = ventricular ectopic; F = fusion; Q = paced, paced fusion and unclassifiable.
 */
const CLASS_OF_SYMBOL: ReadonlyMap<string, AamiClass> = new Map([
  ['N', 'N'],
  ['L', 'N'],
  ['R', 'N'],
  ['e', 'N'],
  ['j', 'N'],
  ['A', 'S'],
  ['a', 'S'],
  ['J', 'S'],
  ['S', 'S'],
  ['V', 'V'],
  ['E', 'V'],
  ['F', 'F'],
  ['/', 'Q'],
  ['f', 'Q'],
  ['Q', 'Q'],
]);

/** The AAMI class of an annotation symbol, or undefined when the symbol is not a beat (rhythm, noise, ...). */
export function aamiClassOf(symbol: string): AamiClass | undefined {
  return CLASS_OF_SYMBOL.get(symbol);
}

/** Counts the beats of each AAMI class in a list of annotation symbols (non-beats are not counted). */
export function countAamiBeats(symbols: Iterable<string>): Record<AamiClass, number> {
  const counts: Record<AamiClass, number> = { N: 0, S: 0, V: 0, F: 0, Q: 0 };
  for (const symbol of symbols) {
    const cls = aamiClassOf(symbol);
    if (cls !== undefined) counts[cls]++;
  }
  return counts;
}
