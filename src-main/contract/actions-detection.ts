import { z } from 'zod';

const id = z.string().min(1).max(100);

/** Which frames the reviewer pages through, at the chosen score threshold. */
export const REVIEW_FILTERS = ['all', 'misses', 'false-alarms'] as const;
export type ReviewFilter = (typeof REVIEW_FILTERS)[number];

const box = { x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number() };

const reviewFrameSchema = z.object({
  /** The frame's index in the dataset, its source name and its stored size (boxes are in these pixels). */
  index: z.number(),
  name: z.string(),
  group: z.string(),
  width: z.number(),
  height: z.number(),
  /** Only a PNG data: address: the page's CSP allows data: images and nothing from the disk. */
  png: z
    .string()
    .max(4_000_000)
    .regex(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/),
  truths: z.array(z.object({ ...box, classIndex: z.number(), difficult: z.boolean(), found: z.boolean() })),
  /** Detections at or above the threshold: a hit (matched a ground-truth box at IoU 0.5) or a false alarm. */
  detections: z.array(
    z.object({ ...box, classIndex: z.number(), score: z.number(), falseAlarm: z.boolean() }),
  ),
  hits: z.number(),
  misses: z.number(),
  falseAlarms: z.number(),
});
export type ReviewFrameView = z.infer<typeof reviewFrameSchema>;

const reviewSchema = z.object({
  modelId: z.string(),
  validationId: z.string(),
  datasetId: z.string(),
  split: z.string(),
  classes: z.array(z.string()),
  minScore: z.number(),
  /** Frames of the split, frames matching the filter, and the totals over the split at this threshold. */
  frames: z.number(),
  matching: z.number(),
  totals: z.object({ objects: z.number(), hits: z.number(), misses: z.number(), falseAlarms: z.number() }),
  /** Where the shown frame is among the matching ones (clamped), and the frame; null when none matches. */
  position: z.number(),
  frame: reviewFrameSchema.nullable(),
});
export type DetectionReviewView = z.infer<typeof reviewSchema>;

export const detectionActions = {
  /**
   * One frame of a detector's evaluated split with its ground truth and its detections at a score threshold,
   * among the frames that have a miss, a false alarm, or all of them: the frame reviewer pages with this.
   */
  'detection.review': {
    request: z.strictObject({
      modelId: id,
      /** An object-detection validation of the model (default: its latest). */
      validationId: id.optional(),
      minScore: z.number().min(0.01).max(0.99),
      filter: z.enum(REVIEW_FILTERS),
      position: z.number().int().min(0).max(1e7),
    }),
    response: reviewSchema,
  },
} as const;
