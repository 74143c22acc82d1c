/*
 * Ceilings on what an import may make Attest decode or hold, so that a small hostile or damaged file (a zip
 * bomb, a PNG declaring 16000 x 16000 pixels) is refused with a sentence instead of exhausting memory. They sit
 * far above the datasets Attest is made for (MedMNIST at 28 to 128 pixels, mammograms of ~25 megapixels).
 */

/** Pixels of one decoded image (width x height): 40 megapixels, e.g. 8000 x 5000. */
export const MAX_IMAGE_PIXELS = 40_000_000;

/** Archive (.npz) limits: largest entry, all entries together, and the expansion allowed to a large entry. */
export const NPZ_LIMITS = {
  maxEntryBytes: 2 ** 31 - 1,
  maxTotalBytes: 2 ** 31 - 1,
  // Real image arrays deflate two to ten times; hundreds of times means blank filler (a decompression bomb).
  maxRatio: 200,
  ratioFloorBytes: 1 << 20,
} as const;

/** Values an image import may hold once fitted to the model input (samples x height x width x channels). */
export const MAX_FITTED_VALUES = 2 ** 28;
