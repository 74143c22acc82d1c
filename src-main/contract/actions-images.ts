import { z } from 'zod';
import { IMAGE_FORMATS } from './jobs-images.js';

const id = z.string().min(1).max(100);
const path = z.string().min(1).max(4096);

/** Tiles per preview and thumbnails per request: a grid's worth, never a whole dataset. */
export const MAX_PREVIEW_TILES = 48;

const previewTileSchema = z.object({
  name: z.string(),
  label: z.string(),
  width: z.number(),
  height: z.number(),
  channels: z.union([z.literal(1), z.literal(3)]),
  sourceWidth: z.number(),
  sourceHeight: z.number(),
  /** 16-bit little-endian steps between min and max, base64; at most 96 x 96 pixels. */
  pixels: z.string().max(100_000),
  min: z.number(),
  max: z.number(),
  dicom: z
    .object({
      window: z.object({ center: z.number(), width: z.number() }).nullable(),
      voi: z.enum(['voi-lut', 'window', 'min-max']),
      inverted: z.boolean(),
      photometric: z.string(),
      bitsStored: z.number(),
      laterality: z.string().nullable(),
      view: z.string().nullable(),
    })
    .nullable(),
  error: z.string().nullable(),
});
export type PreviewTileView = z.infer<typeof previewTileSchema>;

const classCounts = z.record(z.string(), z.number());

const imagePreviewSchema = z.object({
  files: z.number(),
  samples: z.number(),
  classes: z.array(z.string()),
  perClass: classCounts,
  groupKind: z.string(),
  groups: z.number(),
  splits: z.object({ train: classCounts, test: classCounts }).nullable(),
  problems: z.array(z.string()),
  warnings: z.array(z.string()),
  tiles: z.array(previewTileSchema),
});
export type ImagePreviewView = z.infer<typeof imagePreviewSchema>;

const thumbnailsSchema = z.object({
  height: z.number(),
  width: z.number(),
  channels: z.number(),
  classes: z.array(z.string()),
  count: z.number(),
  images: z.array(
    z.object({
      index: z.number(),
      label: z.string(),
      group: z.string(),
      split: z.enum(['train', 'test']),
      /** Only a PNG data: address: the page's CSP allows data: images and nothing from the disk. */
      png: z
        .string()
        .max(200_000)
        .regex(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/),
    }),
  ),
});
export type ThumbnailsView = z.infer<typeof thumbnailsSchema>;

export const imageActions = {
  /**
   * What an image import would read, before anything is stored: tiles from every class (DICOM as modality
   * values, to window in the UI), images per class, and the class balance per split the import would make.
   */
  'images.preview': {
    request: z.strictObject({
      format: z.enum(IMAGE_FORMATS),
      paths: z.array(path).max(200),
      csv: path.optional(),
      split: z.string().min(1).max(100).optional(),
      groupBy: z.enum(['image', 'folder']).optional(),
      limit: z.number().int().min(1).max(MAX_PREVIEW_TILES).optional(),
    }),
    response: imagePreviewSchema,
  },
  /** Stored images of an image dataset as small PNGs: chosen ones, or a spread over the classes. */
  'images.thumbnails': {
    request: z.strictObject({
      datasetId: id,
      indices: z.array(z.number().int().min(0)).min(1).max(MAX_PREVIEW_TILES).optional(),
      count: z.number().int().min(1).max(MAX_PREVIEW_TILES).optional(),
    }),
    response: thumbnailsSchema,
  },
} as const;
