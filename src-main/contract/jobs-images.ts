import { z } from 'zod';

/**
 * Image imports and the synthetic image generators as jobs of the engine: the same options as `attest import
 * images|dicom|voc|npz` and `attest generate mammograms|insulators`. The core checks every value again
 * (import-image-dataset.ts, image-splits.ts); the schemas bound sizes and kinds so that nothing absurd reaches it.
 * Constants are spelled out here (the renderer may not import the core's image code); a test compares them.
 */

const path = z.string().min(1).max(4096);
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

export const IMAGE_FORMATS = ['images', 'dicom', 'voc', 'npz'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export const IMAGE_FITS = ['stretch', 'crop', 'pad'] as const;
export const IMAGE_NORMALIZATIONS = ['dataset', 'per-image', 'unit'] as const;
export const IMAGE_GENERATORS = ['mammograms', 'insulators'] as const;

/** A DICOM window in modality units (the CLI's --window CENTER:WIDTH). */
export const windowSchema = z.strictObject({
  center: z.number().min(-1e7).max(1e7),
  width: z.number().min(1).max(1e8),
});

/** A folder name under HOME/generated: one name, never a path, so a request cannot write elsewhere. */
export const GENERATED_FOLDER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const imageJobSchemas = [
  z.strictObject({
    kind: z.literal('import-images'),
    format: z.enum(IMAGE_FORMATS),
    name: z.string().trim().min(1).max(200),
    /** Class folders (images, dicom), annotation folders or XML files (voc), archives (npz). */
    paths: z.array(path).max(200),
    /** images, dicom: a CSV of file,label[,patient] instead of class folders. */
    csv: path.optional(),
    /** Square model input, pixels per side (--size). */
    size: z.number().int().min(8).max(512).optional(),
    fit: z.enum(IMAGE_FITS).optional(),
    channels: z.union([z.literal(1), z.literal(3)]).optional(),
    normalization: z.enum(IMAGE_NORMALIZATIONS).optional(),
    /** groups:SEED:FRACTION, files:SEED:FRACTION or given (parsed again by the core). */
    split: z.string().min(1).max(100).optional(),
    window: windowSchema.optional(),
    groupBy: z.enum(['image', 'folder']).optional(),
    skipBad: z.boolean().optional(),
    /** Names for the classes in their sorted order (numeric labels by value): 0 = malignant, 1 = benign. */
    classNames: z.array(z.string().trim().min(1).max(100)).min(2).max(255).optional(),
  }),
  z.strictObject({
    kind: z.literal('generate-images'),
    generator: z.enum(IMAGE_GENERATORS),
    folder: z.string().regex(GENERATED_FOLDER, 'one folder name of letters, digits, dot, dash or underscore'),
    seed: seed.optional(),
    /** mammograms */
    patients: z.number().int().min(2).max(1000).optional(),
    perPatient: z.number().int().min(1).max(100).optional(),
    size: z.number().int().min(16).max(512).optional(),
    format: z.enum(['dicom', 'png']).optional(),
    /** insulators */
    flights: z.number().int().min(1).max(100).optional(),
    perFlight: z.number().int().min(1).max(200).optional(),
  }),
] as const;

export type ImageJobSpec = z.infer<(typeof imageJobSchemas)[number]>;
export type ImageJobKind = ImageJobSpec['kind'];
export const IMAGE_JOB_KINDS: readonly ImageJobKind[] = imageJobSchemas.map((s) => s.shape.kind.value);

export function isImageJob(spec: { kind: string }): spec is ImageJobSpec {
  return (IMAGE_JOB_KINDS as readonly string[]).includes(spec.kind);
}
