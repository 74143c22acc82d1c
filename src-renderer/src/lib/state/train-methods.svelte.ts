import type { JobSpec } from '../../../../src-main/contract/index.js';
import { policyText, type PolicyName } from '../methods.js';

type TrainSpec = Extract<JobSpec, { kind: 'train' }>;
export type TrainMethodOptions = Pick<
  TrainSpec,
  'lrPolicy' | 'stability' | 'labeledFraction' | 'semi' | 'lowBit' | 'hardening' | 'augment'
>;
export type Variant = 'plain' | 'wta' | 'low-bit';

/** The advanced methods of one training form: what the user chose, and the job options it becomes. */
export class TrainMethodSettings {
  policy = $state<PolicyName>('constant');
  /** The exact policy text; filled from the policy and the learning rate, editable by hand. */
  policyText = $state('constant');
  fewerLabels = $state(false);
  labeledPercent = $state(25);
  semi = $state<'none' | 'mean-teacher' | 'vat' | 'ema-vat'>('none');
  stabilityOn = $state(false);
  stabilityAlpha = $state(1);
  stabilitySigma = $state(0.05);
  hardening = $state<'none' | 'pgd' | 'diverse' | 'manifold'>('none');
  hardeningStrength = $state(0.05);
  hardeningFraction = $state(0.5);
  hardeningWeighted = $state(false);
  variant = $state<Variant>('plain');
  /** Image datasets only. */
  augment = $state<'none' | 'classic' | 'synthetic' | 'both'>('none');
  augmentRatio = $state(1);

  choosePolicy(name: PolicyName, learningRate: number): void {
    this.policy = name;
    this.policyText = policyText(name, learningRate);
  }

  chooseHardening(kind: 'none' | 'pgd' | 'diverse' | 'manifold'): void {
    this.hardening = kind;
    // Manifold's strength is the lowest signal-to-noise ratio in dB, the attacks' an input-unit radius.
    this.hardeningStrength = kind === 'manifold' ? 0 : 0.05;
  }

  /** The `--augment` text of the augmentation chosen, if any. */
  augmentText(): string | undefined {
    if (this.augment === 'none') return undefined;
    if (this.augment === 'classic') return 'classic';
    return `synthetic:${this.augmentRatio}${this.augment === 'both' ? ',classic' : ''}`;
  }

  /** The job options; nothing for a method left off, so a plain training sends exactly the baseline's spec. */
  options(isImage = false): TrainMethodOptions {
    const augment = isImage ? this.augmentText() : undefined;
    const policy = this.policyText.trim();
    const hardening =
      this.hardening === 'none'
        ? undefined
        : `${this.hardening}:${this.hardeningStrength}:${this.hardeningFraction}${this.hardeningWeighted ? ':weighted' : ''}`;
    return {
      ...(policy !== '' && policy !== 'constant' ? { lrPolicy: policy } : {}),
      ...(this.fewerLabels
        ? { labeledFraction: Math.min(1, Math.max(0.01, this.labeledPercent / 100)) }
        : {}),
      ...(this.fewerLabels && this.semi !== 'none' ? { semi: this.semi } : {}),
      ...(this.stabilityOn ? { stability: `${this.stabilityAlpha}:${this.stabilitySigma}` } : {}),
      ...(hardening !== undefined ? { hardening } : {}),
      ...(this.variant === 'low-bit' ? { lowBit: 8 as const } : {}),
      ...(augment !== undefined ? { augment } : {}),
    };
  }

  /** One line for the collapsed section: what is on. */
  summary(isImage = false): string {
    const o = this.options(isImage);
    const parts = [
      o.lrPolicy !== undefined ? `learning rate ${o.lrPolicy}` : '',
      o.labeledFraction !== undefined
        ? `${Math.round(o.labeledFraction * 100)} % of labels${o.semi !== undefined ? ` with ${o.semi}` : ''}`
        : '',
      o.stability !== undefined ? `stability ${o.stability}` : '',
      o.hardening !== undefined ? `hardening ${o.hardening}` : '',
      this.variant === 'wta' ? 'winners-take-all' : '',
      this.variant === 'low-bit' ? '8-bit training' : '',
      o.augment !== undefined ? `augmentation ${o.augment}` : '',
    ].filter((p) => p !== '');
    return parts.length > 0 ? parts.join('; ') : 'none: plain training';
  }
}
