/** Plain-language explanations shown next to every metric, for readers who are not machine-learning people. */
export const EXPLAIN = {
  accuracy:
    'Share of all beats the model classified correctly. High even for a weak model when one class dominates.',
  macroF1:
    'Average over the classes of F1 (the balance of catching a class and being right when flagging it). Each class counts the same, so rare arrhythmias weigh as much as normal beats.',
  sensitivity: 'Of the beats that truly are this class, the share the model found (recall).',
  ppv: 'Of the beats the model called this class, the share that truly are (positive predictivity, precision).',
  f1: 'Harmonic mean of sensitivity and positive predictivity for the class.',
  loss: 'What training minimises: lower means the model fits the training beats better. It should fall epoch by epoch.',
  confusion:
    'Rows are the true classes, columns what the model said. The diagonal holds correct answers; anything else is a confusion between two classes.',
  fgsm: 'Accuracy when each beat is nudged in the direction that most confuses the model (FGSM attack), by epsilon. A steep fall means a fragile model.',
  noise:
    'Accuracy when real recorded noise (baseline wander, muscle artifact, electrode motion) is added at a signal-to-noise ratio. Lower SNR means noisier; 0 dB is as much noise as signal.',
  size: 'Size of the model file on disk: what a device must store and load.',
  sparsity: 'Share of weights that are exactly zero after pruning.',
  pareto:
    'Each dot is a model. Up and to the left is better: smaller and more accurate. Compressed models are linked to the model they came from.',
  classBalance:
    'How many beats of each class the dataset holds. Rare classes are harder to learn and to measure.',
  auditChain:
    'Every action is recorded with a hash of the previous record, like links of a chain. Verification recomputes all links and re-hashes every stored file: any change anywhere shows.',
  auc: 'Area under the ROC curve: the chance that the model ranks a random beat of a class above a random beat of another. 50 % is guessing, 100 % is perfect.',
  roc: 'Each curve shows, for one class, how many of its beats are caught (up) against how many other beats are flagged by mistake (right), over every decision threshold. Closer to the top-left corner is better.',
  calibration:
    'When the model says 90 % sure, is it right 90 % of the time? Bars on the diagonal mean yes; bars below it mean overconfidence.',
  membershipAuc:
    'How well an attacker can tell whether a given patient’s beat was in the training data, from the model’s answers. 50 % means no better than a coin: no leak.',
  disagreement:
    'Share of beats on which the compressed model and its parent give different answers, even where both accuracies look alike.',
  flops: 'Arithmetic operations to classify one beat: what decides speed and battery use on a small device.',
  latency: 'Time to classify one beat on this computer, median of repeated runs.',
  remaining:
    'Estimated from the progress so far; the first moments include warm-up, so the estimate settles after a few seconds.',
} as const;

/** AAMI heartbeat classes in words. */
export const CLASS_NAMES: Record<string, string> = {
  N: 'N – normal and bundle-branch-block beats',
  S: 'S – supraventricular ectopic beats',
  V: 'V – ventricular ectopic beats',
  F: 'F – fusion of ventricular and normal beats',
  Q: 'Q – paced or unclassifiable beats',
};

/** The word for one sample of a dataset kind: a reviewer of mammograms reads "images", not "beats". */
export function sampleWord(kind: string | undefined): { one: string; many: string } {
  if (kind === 'images') return { one: 'image', many: 'images' };
  if (kind === 'detection-frames') return { one: 'frame', many: 'frames' };
  return { one: 'beat', many: 'beats' };
}

/** The explanations in the words of a dataset kind (ECG wording stays for beats). */
export function explainFor(kind: string | undefined): Record<keyof typeof EXPLAIN, string> {
  const word = sampleWord(kind);
  if (word.one === 'beat') return EXPLAIN;
  return Object.fromEntries(
    Object.entries(EXPLAIN).map(([key, text]) => [
      key,
      text
        .replace(
          'rare arrhythmias weigh as much as normal beats',
          'rare findings weigh as much as common ones',
        )
        .replace(/patient’s beat/g, `patient’s ${word.one}`)
        .replace(/\bbeats\b/g, word.many)
        .replace(/\bbeat\b/g, word.one),
    ]),
  ) as Record<keyof typeof EXPLAIN, string>;
}
