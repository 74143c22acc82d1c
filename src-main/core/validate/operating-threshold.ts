import { badInput } from '../errors.js';

/**
 * How probabilities become a predicted class. 'argmax' is the most probable class. 'threshold' is the
 * operating point a reviewer chooses for a positive class: the positive class when its probability reaches the
 * threshold, otherwise the most probable other class (for a binary task, simply the negative class).
 */
export type DecisionRule =
  { kind: 'argmax' } | { kind: 'threshold'; positiveClass: string; positiveIndex: number; threshold: number };

/** Resolves --threshold and --positive-class against a dataset's classes. */
export function decisionRule(
  classes: string[],
  threshold: number | undefined,
  positiveClass: string | undefined,
): DecisionRule {
  if (threshold === undefined) {
    if (positiveClass !== undefined) throw badInput('--positive-class needs --threshold');
    return { kind: 'argmax' };
  }
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1)
    throw badInput(`--threshold must be a probability from 0 to 1, got ${threshold}`);
  if (positiveClass === undefined && classes.length !== 2)
    throw badInput(
      `--threshold on a task of ${classes.length} classes needs --positive-class (one of ${classes.join(', ')})`,
    );
  const name = positiveClass ?? (classes[1] as string);
  const positiveIndex = classes.indexOf(name);
  if (positiveIndex < 0) throw badInput(`--positive-class "${name}" is not one of ${classes.join(', ')}`);
  return { kind: 'threshold', positiveClass: name, positiveIndex, threshold };
}

/** The predicted class of each row of a row-major probability matrix under a decision rule. */
export function decide(probabilities: Float32Array, classes: number, rule: DecisionRule): Int32Array {
  const n = probabilities.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    if (rule.kind === 'threshold' && (probabilities[row + rule.positiveIndex] as number) >= rule.threshold) {
      out[i] = rule.positiveIndex;
      continue;
    }
    let best = -1;
    for (let c = 0; c < classes; c++) {
      if (rule.kind === 'threshold' && c === rule.positiveIndex) continue;
      if (best < 0 || (probabilities[row + c] as number) > (probabilities[row + best] as number)) best = c;
    }
    out[i] = best;
  }
  return out;
}
