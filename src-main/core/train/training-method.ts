import type { ModelRow } from '../store/models.js';
import { isMembershipDefenseRecipe } from './membership-defense-recipe.js';

/** One training method a model (or the model it was derived from) was trained with, as a reader names it. */
export interface TrainingMethodSetting {
  /** Which comparison speaks for it: the kind of the stored comparisons (store/method-comparisons.ts). */
  comparison: string;
  label: string;
  /** The setting exactly as given (`--lr-policy cosine`, `--semi mean-teacher`...). */
  value: string;
}

const ARCH_VARIANTS: Record<string, TrainingMethodSetting> = {
  'ecg-resnet-wta': {
    comparison: 'activation-sparsity',
    label: 'Architecture variant',
    value: 'winners-take-all (ecg-resnet-wta)',
  },
  'ecg-resnet-q8': {
    comparison: 'low-bit',
    label: 'Architecture variant',
    value: '8-bit activations (ecg-resnet-q8)',
  },
};

/**
 * The non-plain training methods in a model's recorded settings: its training options (kept in its config,
 * which a compressed or defended child inherits from its parent), its architecture variant and its recipe.
 * An empty list means plain training: the baseline every method is compared with.
 */
export function trainingMethodsOf(
  model: Pick<ModelRow, 'arch' | 'recipe' | 'config'>,
): TrainingMethodSetting[] {
  const config = model.config;
  const text = (key: string): string | undefined => {
    const value = config[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
  const methods: TrainingMethodSetting[] = [];
  const policy = text('lrPolicy');
  if (policy !== undefined && policy !== 'constant')
    methods.push({ comparison: 'lr-policies', label: 'Learning-rate policy', value: policy });
  const semi = text('semi');
  const fraction = text('labeledFraction');
  if (semi !== undefined)
    methods.push({
      comparison: 'semi-supervised',
      label: 'Semi-supervised training',
      value: `${semi}${fraction !== undefined ? `, ${Math.round(Number(fraction) * 100)}% of the labels` : ''}`,
    });
  else if (fraction !== undefined && Number(fraction) < 1)
    methods.push({
      comparison: 'semi-supervised',
      label: 'Labelled fraction (supervised only)',
      value: `${Math.round(Number(fraction) * 100)}% of the labels`,
    });
  const stability = text('stability');
  if (stability !== undefined)
    methods.push({ comparison: 'attribution', label: 'Stability term (ALPHA:SIGMA)', value: stability });
  const hardening = text('hardening');
  if (hardening !== undefined)
    methods.push({ comparison: 'attribution', label: 'Hardening during training', value: hardening });
  const augment = text('augment');
  if (augment !== undefined)
    methods.push({ comparison: 'augmentation', label: 'Augmentation', value: augment });
  const variant = ARCH_VARIANTS[model.arch];
  if (variant !== undefined) methods.push(variant);
  if (text('lowBit') !== undefined)
    methods.push({
      comparison: 'low-bit',
      label: 'Fully quantized training',
      value: `${text('lowBit')}-bit weights and gradients`,
    });
  const recipe = model.recipe ?? '';
  if (isMembershipDefenseRecipe(recipe))
    methods.push({ comparison: 'membership-defense', label: 'Membership-inference defence', value: recipe });
  if (/(^|,)qat:/.test(recipe))
    methods.push({ comparison: 'low-bit', label: 'Quantization-aware training', value: recipe });
  if (/(^|,)adv:/.test(recipe))
    methods.push({ comparison: 'attribution', label: 'Adversarial fine-tuning', value: recipe });
  return methods;
}
