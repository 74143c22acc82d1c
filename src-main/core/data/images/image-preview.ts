import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { AttestError } from '../../errors.js';
import { readImageFile } from './read-image.js';
import { looksLikeDicom, readDicomImage } from '../dicom/read-dicom.js';
import type { DicomFile, DicomLut } from '../dicom/dicom-file.js';
import type { StoredFrame } from '../dicom/pixel-data.js';
import { boxRectangle } from './voc.js';
import { cropImage, resizeImage } from './preprocess.js';
import type { DecodedImage } from './decoded-image.js';
import {
  planImageSplit,
  plannedSamples,
  type ImageSourcePlan,
  type PlanOptions,
  type PlannedSample,
} from './image-source-plan.js';

/** Longest side of a preview tile: enough for a grid, small enough to send two dozen at once. */
export const PREVIEW_SIDE = 96;

/** A preview tile: pixels as 16-bit steps between `min` and `max`, little-endian, base64. */
export interface PreviewTile {
  name: string;
  label: string;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Size of the source image (of the box, for a VOC crop). */
  sourceWidth: number;
  sourceHeight: number;
  pixels: string;
  min: number;
  max: number;
  /**
   * DICOM greyscale: the tile holds modality values (after the modality LUT or rescale, before any window), so
   * that the UI can apply any window centre and width; `inverted` is MONOCHROME1 as the core reads it.
   */
  dicom: {
    window: { center: number; width: number } | null;
    voi: 'voi-lut' | 'window' | 'min-max';
    inverted: boolean;
    photometric: string;
    bitsStored: number;
    laterality: string | null;
    view: string | null;
  } | null;
  /** Why this file could not be shown (the import would stop on it, or skip it with skip-bad). */
  error: string | null;
}

export interface ImagePreview extends Omit<ImageSourcePlan, 'samples'> {
  files: number;
  samples: number;
  perClass: Record<string, number>;
  tiles: PreviewTile[];
}

function applyLut(value: number, lut: DicomLut): number {
  const index = Math.round(value) - lut.firstMapped;
  const last = lut.data.length - 1;
  return lut.data[index < 0 ? 0 : index > last ? last : index] as number;
}

/** Stored values to modality values (PS3.3 C.11.1), as display.ts does before its VOI step. */
function modalityValues(dicom: DicomFile, frame: StoredFrame): Float32Array {
  const { display } = dicom;
  const out = new Float32Array(frame.rows * frame.columns);
  for (let i = 0; i < out.length; i++) {
    const v = frame.values[i] as number;
    out[i] =
      display.modalityLut !== undefined
        ? applyLut(v, display.modalityLut)
        : v * display.rescaleSlope + display.rescaleIntercept;
  }
  return out;
}

function encode(image: DecodedImage, min: number, max: number): string {
  const range = max > min ? max - min : 1;
  const words = Uint16Array.from(image.data, (v) =>
    Math.round(Math.min(1, Math.max(0, (v - min) / range)) * 65535),
  );
  return Buffer.from(words.buffer, words.byteOffset, words.byteLength).toString('base64');
}

function shrink(image: DecodedImage): DecodedImage {
  const scale = Math.min(1, PREVIEW_SIDE / Math.max(image.width, image.height));
  if (scale === 1) return image;
  return resizeImage(
    image,
    Math.max(1, Math.round(image.height * scale)),
    Math.max(1, Math.round(image.width * scale)),
  );
}

function range(data: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 1 };
}

function tile(sample: PlannedSample, image: DecodedImage, extra: Partial<PreviewTile> = {}): PreviewTile {
  const small = shrink(image);
  const bounds = extra.dicom ? range(small.data) : { min: 0, max: 1 };
  return {
    name:
      sample.box !== undefined ? `${basename(sample.path)} (${sample.box.name} box)` : basename(sample.path),
    label: sample.label,
    width: small.width,
    height: small.height,
    channels: small.channels,
    sourceWidth: image.width,
    sourceHeight: image.height,
    pixels: encode(small, bounds.min, bounds.max),
    min: bounds.min,
    max: bounds.max,
    dicom: null,
    error: null,
    ...extra,
  };
}

async function readTile(sample: PlannedSample): Promise<PreviewTile> {
  if (sample.given !== undefined) {
    const { part, index } = sample.given;
    const [, h = 1, w = 1, c = 1] = part.images.shape;
    const size = h * w * c;
    const max = part.images.dtype.endsWith('u1') ? 255 : part.images.dtype.endsWith('u2') ? 65535 : 1;
    const data = Float32Array.from(
      part.images.data.subarray(index * size, (index + 1) * size),
      (v) => v / max,
    );
    return tile(sample, { width: w, height: h, channels: c as 1 | 3, data, bitDepth: 8 });
  }
  const bytes = readFileSync(sample.path);
  if (looksLikeDicom(bytes) && sample.box === undefined) {
    const { dicom, stored, image } = await readDicomImage(sample.path, { bytes });
    if (image.channels === 3) return tile(sample, { ...image, bitDepth: dicom.layout.bitsStored });
    const d = dicom.description;
    const steps = image.steps;
    return tile(
      sample,
      {
        width: stored.columns,
        height: stored.rows,
        channels: 1,
        data: modalityValues(dicom, stored),
        bitDepth: 16,
      },
      {
        dicom: {
          window:
            dicom.display.windowCenter !== undefined && dicom.display.windowWidth !== undefined
              ? { center: dicom.display.windowCenter, width: dicom.display.windowWidth }
              : null,
          voi: steps.voi === 'none' ? 'min-max' : steps.voi,
          inverted: steps.inverted,
          photometric: dicom.layout.photometric,
          bitsStored: dicom.layout.bitsStored,
          laterality: d.laterality ?? null,
          view: d.viewPosition ?? null,
        },
      },
    );
  }
  const read = await readImageFile(sample.path);
  if (sample.box === undefined) return tile(sample, read.image);
  const r = boxRectangle(sample.box, read.image.width, read.image.height, sample.path);
  return tile(sample, cropImage(read.image, r.x, r.y, r.width, r.height));
}

/** Up to `limit` samples, taken in turn from each class so that every class shows. */
function spread(samples: PlannedSample[], classes: string[], limit: number): PlannedSample[] {
  const queues = classes.map((c) => samples.filter((s) => s.label === c));
  const out: PlannedSample[] = [];
  for (let round = 0; out.length < limit; round++) {
    let any = false;
    for (const queue of queues) {
      const next = queue[round];
      if (next === undefined) continue;
      any = true;
      if (out.length < limit) out.push(next);
    }
    if (!any) break;
  }
  return out;
}

/**
 * The import wizard's preview: a few tiles from every class (DICOM as modality values, for windowing in the
 * UI) and the class balance per split the import would produce. A file that does not read shows as a tile
 * with its error; a source that cannot be listed at all is an error for the whole preview.
 */
export async function previewImageSource(o: PlanOptions, limit: number): Promise<ImagePreview> {
  const samples = plannedSamples(o);
  const { samples: _all, ...plan } = planImageSplit(samples, o.split);
  const perClass = Object.fromEntries(plan.classes.map((c) => [c, 0])) as Record<string, number>;
  for (const s of samples) perClass[s.label] = (perClass[s.label] ?? 0) + 1;
  const tiles: PreviewTile[] = [];
  for (const sample of spread(samples, plan.classes, limit)) {
    try {
      tiles.push(await readTile(sample));
    } catch (error) {
      if (!(error instanceof AttestError)) throw error;
      tiles.push({
        name: basename(sample.path),
        label: sample.label,
        width: 0,
        height: 0,
        channels: 1,
        sourceWidth: 0,
        sourceHeight: 0,
        pixels: '',
        min: 0,
        max: 1,
        dicom: null,
        error: error.message,
      });
    }
  }
  return {
    ...plan,
    files: new Set(samples.map((s) => s.path)).size,
    samples: samples.length,
    perClass,
    tiles,
  };
}
