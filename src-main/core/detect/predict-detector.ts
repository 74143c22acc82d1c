import { tf, type tfl } from '../engine/tf.js';
import type { DetectedBox } from './boxes.js';
import { decodeDetections, type DecodeOptions } from './decode-detections.js';
import { frameImage, frameTruths, type DetectionDataset } from './detection-dataset.js';
import { letterbox, placeFrame, toFrame, type Placement } from './frame-placement.js';
import { mergeDetections, tilePlacements } from './tiled-inference.js';
import type { EvaluatedFrame } from './average-precision.js';
import { OUTPUT_STRIDE } from '../models/centernet-model.js';
import type { DecodedImage } from '../data/images/decoded-image.js';

/** The input size a detector reads, from its input layer. */
export function detectorInputSize(model: tfl.LayersModel): { height: number; width: number } {
  const shape = model.inputs[0]?.shape ?? [];
  return { height: Number(shape[1]), width: Number(shape[2]) };
}

export interface DetectOptions extends DecodeOptions {
  batchSize?: number;
  /** Frames much larger than the input are also cut into input-sized tiles at their own resolution, and the
   * detections of the tiles and of the whole frame merged (per-class NMS). */
  tiles?: boolean;
}

/** Detections of one view's output grid, in the frame's own pixels (clipped to it). */
export function viewDetections(
  cells: Float32Array,
  image: { width: number; height: number },
  placement: Placement,
  height: number,
  width: number,
  classes: number,
  options: DecodeOptions = {},
): DetectedBox[] {
  return decodeDetections(cells, height / OUTPUT_STRIDE, width / OUTPUT_STRIDE, classes, options).map((d) => {
    const b = toFrame(d, image.width, image.height, placement, width);
    return {
      classIndex: d.classIndex,
      score: d.score,
      x0: Math.max(0, b.x0),
      y0: Math.max(0, b.y0),
      x1: Math.min(image.width, b.x1),
      y1: Math.min(image.height, b.y1),
    };
  });
}

/**
 * Detections on whole frames, letterboxed to the model input (and tiled, if asked), in the frames' own pixels
 * (clipped to them).
 */
export function detectFrames(
  model: tfl.LayersModel,
  images: DecodedImage[],
  classes: number,
  options: DetectOptions = {},
): DetectedBox[][] {
  const { height, width } = detectorInputSize(model);
  const batchSize = options.batchSize ?? 16;
  const size = height * width * 3;
  const gh = height / OUTPUT_STRIDE;
  const gw = width / OUTPUT_STRIDE;
  const depth = classes + 4;
  // Every view of every frame: the whole frame letterboxed, then its tiles when it is large.
  const views: { image: number; placement: Placement }[] = [];
  images.forEach((image, i) => {
    views.push({ image: i, placement: letterbox(image.width, image.height, width, height) });
    if (options.tiles === true && Math.max(image.width / width, image.height / height) > 1.25)
      for (const placement of tilePlacements(image.width, image.height, width, height))
        views.push({ image: i, placement });
  });
  const found: DetectedBox[][][] = images.map(() => []);
  for (let start = 0; start < views.length; start += batchSize) {
    const part = views.slice(start, start + batchSize);
    const x = new Float32Array(part.length * size);
    part.forEach((v, k) => x.set(placeFrame(images[v.image]!, v.placement, height, width), k * size));
    const grid = tf.tidy(() => {
      const y = model.predict(tf.tensor4d(x, [part.length, height, width, 3])) as tf.Tensor;
      return y.dataSync() as Float32Array;
    });
    part.forEach((v, k) => {
      const image = images[v.image]!;
      const cells = grid.subarray(k * gh * gw * depth, (k + 1) * gh * gw * depth);
      found[v.image]!.push(viewDetections(cells, image, v.placement, height, width, classes, options));
    });
  }
  return found.map((perView) =>
    perView.length === 1 ? (perView[0] ?? []) : mergeDetections(perView, 0.5, options.maxDetections ?? 100),
  );
}

/** Ground truth and detections of chosen dataset frames, ready for evaluateDetections. */
export function detectDatasetFrames(
  model: tfl.LayersModel,
  dataset: DetectionDataset,
  frames: number[],
  options: DetectOptions = {},
): EvaluatedFrame[] {
  const images = frames.map((f) => frameImage(dataset, f));
  const detections = detectFrames(model, images, dataset.classes.length, options);
  return frames.map((f, k) => ({ truths: frameTruths(dataset, f), detections: detections[k] ?? [] }));
}
