import { z } from 'zod';
import { INPUT_PRESET_NAMES } from '../core/models/input-presets.js';

/** The preprocessing presets a model can declare (core/models/input-presets.ts, a file without imports). */
export const MODEL_INPUT_PRESETS = INPUT_PRESET_NAMES;

/**
 * Importing a model made elsewhere, as `attest models import` does: a file or folder on this machine (Keras
 * .h5 or .keras, TF.js layers folder or zip, ONNX file) and its input contract. Checked again by the core.
 */
export const modelJobSchemas = [
  z.strictObject({
    kind: z.literal('import-model'),
    path: z.string().min(1).max(4096),
    name: z.string().trim().min(1).max(200),
    classes: z.array(z.string().trim().min(1).max(100)).min(2).max(1000).optional(),
    layout: z.enum(['channels-last', 'channels-first']).optional(),
    preset: z.enum(INPUT_PRESET_NAMES as [string, ...string[]]).optional(),
    valueRange: z.tuple([z.number(), z.number()]).optional(),
    /** An image model's intensity normalization, as `--normalize`: unit, imagenet, symmetric, per-image, MEAN/STD. */
    normalize: z.string().trim().min(1).max(200).optional(),
  }),
] as const;

export type ModelJobSpec = z.infer<(typeof modelJobSchemas)[number]>;
export const MODEL_JOB_KINDS: readonly ModelJobSpec['kind'][] = modelJobSchemas.map(
  (s) => s.shape.kind.value,
);

export function isModelJob(spec: { kind: string }): spec is ModelJobSpec {
  return (MODEL_JOB_KINDS as readonly string[]).includes(spec.kind);
}

/** What each model job changes in the store, so that the UI refreshes those lists when it ends. */
export const MODEL_JOB_CHANGES: Record<
  ModelJobSpec['kind'],
  ('datasets' | 'models' | 'validations' | 'audit')[]
> = { 'import-model': ['models', 'audit'] };
