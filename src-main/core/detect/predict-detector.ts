import { tf, type tfl } from '../engine/tf.js';
import type { DetectedBox } from './boxes.js';
import { decodeDetections, type DecodeOptions } from './decode-detections.js';
import { frameImage, frameTruths, type DetectionDataset } from './detection-dataset.js';
import { letterbox, placeFrame, toFrame } from './frame-placement.js';
import type { EvaluatedFrame } from './average-precision.js';
import { OUTPUT_STRIDE } from './centernet-model.js';
import type { DecodedImage } from '../data/images/decoded-image.js';

/** The input size a detector reads, from its input layer. */
export function detectorInputSize(model: tfl.LayersModel): { height: number; width: number } {
  const shape = model.inputs[0]?.shape ?? [];
  return { height: Number(shape[1]), width: Number(shape[2]) };
}

/**
 * Detections on whole frames, letterboxed to the model input, in the frames' own pixels (clipped to them).
 * `transform` changes each frame before it is placed (a corruption, for robustness suites).
 */
export function detectFrames(
  model: tfl.LayersModel,
  images: DecodedImage[],
  classes: number,
  options: DecodeOptions & { batchSize?: number } = {},
): DetectedBox[][] {
  const { height, width } = detectorInputSize(model);
  const batchSize = options.batchSize ?? 16;
  const size = height * width * 3;
  const gh = height / OUTPUT_STRIDE;
  const gw = width / OUTPUT_STRIDE;
  const depth = classes + 4;
  const out: DetectedBox[][] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    const part = images.slice(start, start + batchSize);
    const placements = part.map((image) => letterbox(image.width, image.height, width, height));
    const x = new Float32Array(part.length * size);
    part.forEach((image, k) => x.set(placeFrame(image, placements[k]!, height, width), k * size));
    const grid = tf.tidy(() => {
      const y = model.predict(tf.tensor4d(x, [part.length, height, width, 3])) as tf.Tensor;
      return y.dataSync() as Float32Array;
    });
    part.forEach((image, k) => {
      const cells = grid.subarray(k * gh * gw * depth, (k + 1) * gh * gw * depth);
      out.push(
        decodeDetections(cells, gh, gw, classes, options).map((d) => {
          const b = toFrame(d, image.width, image.height, placements[k]!, width);
          return {
            classIndex: d.classIndex,
            score: d.score,
            x0: Math.max(0, b.x0),
            y0: Math.max(0, b.y0),
            x1: Math.min(image.width, b.x1),
            y1: Math.min(image.height, b.y1),
          };
        }),
      );
    });
  }
  return out;
}

/** Ground truth and detections of chosen dataset frames, ready for evaluateDetections. */
export function detectDatasetFrames(
  model: tfl.LayersModel,
  dataset: DetectionDataset,
  frames: number[],
  options: DecodeOptions & { transform?: (image: DecodedImage, frame: number) => DecodedImage } = {},
): EvaluatedFrame[] {
  const images = frames.map((f) => {
    const image = frameImage(dataset, f);
    return options.transform !== undefined ? options.transform(image, f) : image;
  });
  const detections = detectFrames(model, images, dataset.classes.length, options);
  return frames.map((f, k) => ({ truths: frameTruths(dataset, f), detections: detections[k] ?? [] }));
}
