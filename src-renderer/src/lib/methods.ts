/**
 * Training methods as the UI offers them: plain-language help for each, and the exact settings they become
 * (the same text `attest train --lr-policy/--semi/--stability/--harden` takes, checked again by the core).
 */
import type { LR_POLICY_NAMES } from '../../../src-main/contract/index.js';

export type PolicyName = (typeof LR_POLICY_NAMES)[number];

export const POLICY_HELP: Record<PolicyName, { label: string; help: string }> = {
  constant: {
    label: 'Constant (plain baseline)',
    help: 'The same learning rate from the first batch to the last. Every other policy is compared with this one.',
  },
  step: {
    label: 'Step decay',
    help: 'Halves the rate every few epochs: big steps first, finer ones later.',
  },
  exp: {
    label: 'Exponential decay',
    help: 'Shrinks the rate a little every epoch (times 0.9 by default).',
  },
  cosine: {
    label: 'Cosine decay',
    help: 'Lowers the rate smoothly along half a cosine, to 1 % of the start at the last batch. A safe default.',
  },
  triangular: {
    label: 'Cyclic, triangular',
    help: 'Goes up and down between a low and a high rate, over and over: can escape poor regions of the loss.',
  },
  triangular2: {
    label: 'Cyclic, halving',
    help: 'Like triangular, with the swing halved after each cycle, so training settles.',
  },
  'exp-range': {
    label: 'Cyclic, exponential range',
    help: 'Cyclic, with the swing shrinking a little every batch.',
  },
  onecycle: {
    label: 'One cycle',
    help: 'Warms up to a high rate over the first 30 % of training, then falls far below the start. Often fastest.',
  },
};

function rate(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

/** The policy text for a name, its numbers derived from the base learning rate. */
export function policyText(name: PolicyName, learningRate: number): string {
  switch (name) {
    case 'constant':
    case 'cosine':
      return name;
    case 'step':
      return 'step:3:0.5';
    case 'exp':
      return 'exp:0.9';
    case 'triangular':
    case 'triangular2':
      return `${name}:${rate(learningRate / 10)}:${rate(learningRate)}`;
    case 'exp-range':
      return `exp-range:${rate(learningRate / 10)}:${rate(learningRate)}:0.999`;
    case 'onecycle':
      return `onecycle:${rate(Math.min(1, learningRate * 3))}`;
  }
}

export const SEMI_HELP = {
  'mean-teacher':
    'Mean teacher: a slowly averaged copy of the model labels the unlabelled beats, and the model learns to agree with it.',
  vat: 'Virtual adversarial training: the model learns to give the same answer when an unlabelled beat is nudged in the direction that would change it most.',
  'ema-vat':
    'Like virtual adversarial training, with the nudges computed on a slowly averaged copy of the model.',
} as const;

export const HARDENING_HELP = {
  pgd: 'Adversarial training: part of each epoch’s beats are replaced by attacked copies (PGD), so the model learns to resist small malicious changes.',
  diverse: 'Like adversarial training, with a mix of attacks (FGSM, PGD in two norms), one per beat.',
  manifold:
    'Realistic noise instead of attacks: recorded baseline wander, muscle artefact and electrode motion at random noise levels.',
} as const;

export const METHOD_HELP = {
  intro:
    'Optional. Each method changes how the model learns; plain training (these all off) is the baseline the Compare methods view measures them against. The settings are recorded with the model and in the audit trail.',
  lrPolicy:
    'How the learning rate (the size of each training step) changes during training. Too high and training jumps around; too low and it crawls.',
  rangeTest:
    'Trains briefly while raising the rate from tiny to large and plots the loss. The suggestion is where the loss falls fastest; it becomes the learning rate above.',
  semi: 'When only some beats carry a label: use the unlabelled ones too. Leave the method at “supervised only” to see what the labelled beats give alone.',
  stability:
    'Adds a penalty when the model’s answer changes under a little random noise: steadier predictions and explanations, often at a small cost in accuracy. Strength (alpha) weighs the penalty; noise (sigma) is in standardized units.',
  hardening: 'Trains on perturbed copies of the beats so the model is harder to fool.',
  augment:
    'For scarce images: show the model varied copies of the training images (classical), or add images a small generative network learnt to draw from them (synthetic). Synthetic images are checked for being copies of training images.',
  variant:
    'Winners-take-all keeps only the strongest quarter of the activations after each block (many zeros: cheaper on hardware that skips them). 8-bit training rounds weights, activations and gradients to 8 bits from the first step.',
} as const;

export const AUGMENT_HELP = {
  none: 'the images as they are (the plain baseline).',
  classic:
    'small shifts, rotations, brightness and contrast changes of the real images, new ones every epoch. No mirroring: in medical images the side often matters (the heart is on the left of a chest X-ray).',
  synthetic:
    'extra images drawn by a small generative network (a GAN) trained on the same training images, checked for copies of them.',
  both: 'synthetic images added, and everything augmented classically.',
} as const;

/** What the compare view explains next to each comparison. */
export const COMPARE_HELP = {
  intro:
    'Each comparison trains or measures models on the same data with the same seed, one of them trained plainly, and sets them side by side. Every model is stored, the comparison is kept and audited, and the report of each model involved shows it.',
  lr: 'One training per policy and seed. Macro-F1 is on held-out validation records; the spread across seeds and the epoch-to-epoch jitter say how stable a policy is; time is its cost.',
  semi: 'At each fraction of labels: a model trained on the labelled beats alone (supervised) and one that also learns from the unlabelled ones. The gain is the difference in validation macro-F1.',
  lowbit:
    'Three models on the same data: float training (the baseline), the float model fine-tuned to int8 (quantization-aware training), and a network trained at 8 bits from the start. Scored on the test records.',
  sparsity:
    'Share of activations that are exactly zero, and the multiply-accumulates a kernel that skips zeros would still need. Latency is timed on this machine with ordinary kernels, which do not skip zeros.',
  attribution:
    'Integrated Gradients shows which samples of a beat drove the answer. Gini (0 to 1): higher means the explanation points at few samples. Overlap and rank correlation: how much of the explanation survives a tiny random change of the beat (higher is steadier).',
  membership:
    'The defence retrains the model on its own answers for mixed, synthetic beats. An attacker then tries to tell training patients’ beats from others. Advantage 0 % and AUC 50 % mean the attacker does no better than a coin.',
  augment:
    'Classical and generated (synthetic) training images against training without them, with a check that generated images do not copy training images.',
} as const;
