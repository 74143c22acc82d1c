import type { Workspace } from '../store/workspace.js';
import { getDataset } from '../store/datasets.js';
import { decodeTensorBundle } from '../store/tensor-bundle.js';
import { AttestError, badInput } from '../errors.js';
import { SPLIT_CODES, type SplitName } from '../data/sample-dataset.js';
import type { DecodedImage } from '../data/images/decoded-image.js';
import type { GroundTruthBox } from './boxes.js';

/** The dataset row kind of frames with boxes. */
export const DETECTION_DATASET_KIND = 'detection-frames';

/**
 * Frames with their object boxes, as stored: RGB frames of their own size (shrunk at import to fit a maximum
 * side, never enlarged), 8 bits per sample, each with a group (flight folder or image) and a split; boxes in
 * the stored frame's continuous pixel coordinates.
 */
export interface DetectionDataset {
  id: string;
  name: string;
  classes: string[];
  groups: string[];
  groupKind: string;
  /** Source image name per frame (relative to its flight folder), for reports and the viewer. */
  frameNames: string[];
  /** Stored size / source size per frame: boxes and predictions map back to source pixels with it. */
  frameScale: Float32Array;
  frameWidth: Int32Array;
  frameHeight: Int32Array;
  frameOffset: Float64Array;
  pixels: Uint8Array;
  frameGroup: Int32Array;
  split: Uint8Array;
  boxes: Float32Array;
  boxFrame: Int32Array;
  boxClass: Uint8Array;
  boxDifficult: Uint8Array;
  dataSha256: string;
}

export function loadDetectionDataset(workspace: Workspace, datasetId: string): DetectionDataset {
  const row = getDataset(workspace.db, datasetId);
  if (row.kind !== DETECTION_DATASET_KIND)
    throw badInput(
      `dataset ${datasetId} is ${row.kind}, not frames with boxes (import them with \`attest import detection\`)`,
    );
  const bundle = decodeTensorBundle(workspace.artifacts.get(row.dataSha256), `dataset ${datasetId}`);
  const array = <T>(name: string): T => {
    const value = bundle.arrays.get(name);
    if (value === undefined) throw new AttestError('INTERNAL', `dataset ${datasetId} bundle lacks "${name}"`);
    return value as T;
  };
  const frameWidth = array<Int32Array>('frameWidth');
  const frameHeight = array<Int32Array>('frameHeight');
  const frameOffset = new Float64Array(frameWidth.length + 1);
  for (let i = 0; i < frameWidth.length; i++)
    frameOffset[i + 1] =
      (frameOffset[i] as number) + (frameWidth[i] as number) * (frameHeight[i] as number) * 3;
  const meta = bundle.meta;
  return {
    id: row.id,
    name: row.name,
    classes: meta['classes'] as string[],
    groups: meta['groups'] as string[],
    groupKind: meta['groupKind'] as string,
    frameNames: meta['frameNames'] as string[],
    frameScale: array<Float32Array>('frameScale'),
    frameWidth,
    frameHeight,
    frameOffset,
    pixels: array<Uint8Array>('pixels'),
    frameGroup: array<Int32Array>('frameGroup'),
    split: array<Uint8Array>('split'),
    boxes: array<Float32Array>('boxes'),
    boxFrame: array<Int32Array>('boxFrame'),
    boxClass: array<Uint8Array>('boxClass'),
    boxDifficult: array<Uint8Array>('boxDifficult'),
    dataSha256: row.dataSha256,
  };
}

/** One stored frame as intensities in [0, 1]. */
export function frameImage(dataset: DetectionDataset, frame: number): DecodedImage {
  const width = dataset.frameWidth[frame] as number;
  const height = dataset.frameHeight[frame] as number;
  const start = dataset.frameOffset[frame] as number;
  const data = new Float32Array(width * height * 3);
  for (let k = 0; k < data.length; k++) data[k] = (dataset.pixels[start + k] as number) / 255;
  return { width, height, channels: 3, data, bitDepth: 8 };
}

/** The ground truth of one frame, in stored-frame pixels. */
export function frameTruths(dataset: DetectionDataset, frame: number): GroundTruthBox[] {
  const out: GroundTruthBox[] = [];
  for (let k = 0; k < dataset.boxFrame.length; k++) {
    if (dataset.boxFrame[k] !== frame) continue;
    out.push({
      x0: dataset.boxes[k * 4] as number,
      y0: dataset.boxes[k * 4 + 1] as number,
      x1: dataset.boxes[k * 4 + 2] as number,
      y1: dataset.boxes[k * 4 + 3] as number,
      classIndex: dataset.boxClass[k] as number,
      difficult: dataset.boxDifficult[k] === 1,
    });
  }
  return out;
}

/** Frame indices of a split, in stored order. */
export function detectionFrames(dataset: DetectionDataset, split: SplitName): number[] {
  const out: number[] = [];
  for (let i = 0; i < dataset.split.length; i++)
    if (split === 'all' || dataset.split[i] === SPLIT_CODES[split]) out.push(i);
  if (out.length === 0) throw badInput(`dataset ${dataset.id} has no frame in its ${split} split`);
  return out;
}
