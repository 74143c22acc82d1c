import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import sharp from 'sharp';
import type { Workspace } from '../store/workspace.js';
import type { ModelRow } from '../store/models.js';
import { badInput } from '../errors.js';
import {
  decodeImageBytes,
  IMAGE_EXTENSIONS,
  readImageFile,
  type ReadImage,
} from '../data/images/read-image.js';
import { fitImage, normalizeImages, type ImagePreprocessing } from '../data/images/preprocess.js';
import { describeNormalization } from '../models/image-contract.js';
import { modelInputContract } from '../models/input-contract.js';
import { runtimeOnlySentence } from '../models/runtime-only.js';
import { argMaxRows, predictProbabilities } from '../predict/predict.js';
import { loadStoredModel } from '../predict/load-stored-model.js';
import { integratedGradients } from './integrated-gradients.js';
import { MAX_UPLOADED_IMAGE_BYTES } from '../../contract/actions-try.js';

/** An image given by its path is read whole: a clinical image is a few megabytes, never this much. */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

export interface ImageFileExplanation {
  /** The file's name, as messages and the page call it. */
  file: string;
  format: string;
  source: { width: number; height: number; channels: number };
  /** What was done to the file before the model saw it, in words. */
  preprocessing: string;
  predicted: string;
  /** Every class's probability, in the model's class order. */
  probabilities: { label: string; probability: number }[];
  sampleShape: number[];
  /** The fitted image as the model sees it before the intensity normalization, as a PNG data address. */
  png: string;
  /** Integrated Gradients for the predicted class, one value per input value; null without gradients. */
  attribution: number[] | null;
  completenessError: number | null;
  attributionNote?: string;
}

/**
 * How an image becomes this model's input: the steps its training dataset recorded (size, fit, channels,
 * normalization with the training split's statistics), or for an imported model its input size and the
 * normalization its maker named at import (stretched to the size, as nothing else was said).
 */
export function imagePreprocessingOfModel(row: ModelRow): ImagePreprocessing {
  const meta = row.config['meta'] as { imagePreprocessing?: ImagePreprocessing } | undefined;
  if (meta?.imagePreprocessing !== undefined) return meta.imagePreprocessing;
  const contract = modelInputContract(row);
  if (contract.image !== undefined)
    return {
      version: 1,
      height: contract.image.height,
      width: contract.image.width,
      fit: 'stretch',
      channels: contract.image.channels,
      normalization: contract.image.normalization,
    };
  const shape = contract.shape.join('x');
  throw badInput(
    contract.shape.length === 3
      ? `model ${row.id} (${row.name}) was imported without a normalization, so nothing says how an image's intensities must be scaled for it; import it again with its normalization`
      : `model ${row.id} (${row.name}) reads samples of shape ${shape}, not images: try it on a sample of its dataset in the error browser`,
  );
}

function describeFit(spec: ImagePreprocessing, width: number, height: number): string {
  const to = `${spec.width} x ${spec.height}`;
  const geometry =
    width === spec.width && height === spec.height
      ? `kept at ${to}`
      : spec.fit === 'crop'
        ? `centre-cropped and resized from ${width} x ${height} to ${to}`
        : spec.fit === 'pad'
          ? `resized from ${width} x ${height} into ${to} with black bars`
          : `resized from ${width} x ${height} to ${to}`;
  return `${geometry}, ${spec.channels === 1 ? 'in grey' : 'in colour'}, ${describeNormalization(spec.normalization)}`;
}

function checkExtension(name: string): void {
  const extension = extname(name).toLowerCase();
  // DICOM files often have no extension at all: those are judged by their content.
  if (extension !== '' && !IMAGE_EXTENSIONS.includes(extension))
    throw badInput(
      `a ${extension} file is not an image Attest reads (PNG, JPEG, TIFF, BMP, PGM/PPM or DICOM)`,
      name,
    );
}

async function readGiven(given: { path: string } | { name: string; bytes: Uint8Array }): Promise<ReadImage> {
  if ('path' in given) {
    checkExtension(given.path);
    let size: number;
    try {
      size = statSync(given.path).size;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw badInput(
        code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`,
        given.path,
      );
    }
    if (size > MAX_IMAGE_FILE_BYTES)
      throw badInput(
        `is ${(size / 1048576).toFixed(0)} MB, more than the ${MAX_IMAGE_FILE_BYTES / 1048576} MB an image may have`,
        given.path,
      );
    return readImageFile(given.path);
  }
  checkExtension(given.name);
  if (given.bytes.length > MAX_UPLOADED_IMAGE_BYTES)
    throw badInput(
      `is ${(given.bytes.length / 1000).toFixed(0)} kB; an image sent from the browser may have at most ${MAX_UPLOADED_IMAGE_BYTES / 1000} kB (give its path instead)`,
      given.name,
    );
  return decodeImageBytes(given.bytes, given.name);
}

/** The fitted pixels in [0, 1] as a PNG data address, for the page to show what the model saw. */
async function fittedPng(pixels: Float32Array, spec: ImagePreprocessing): Promise<string> {
  const bytes = Buffer.alloc(pixels.length);
  for (let i = 0; i < pixels.length; i++)
    bytes[i] = Math.round(Math.min(1, Math.max(0, pixels[i] as number)) * 255);
  const png = await sharp(bytes, { raw: { width: spec.width, height: spec.height, channels: spec.channels } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * "Try it" with an image file: the file is preprocessed exactly as the model's training images were (or as its
 * input contract says), and the model's answer comes with every class's probability and which pixels drove it
 * (Integrated Gradients for the answered class, 32 steps, from the all-zero input of the normalized space).
 */
export async function explainImageFile(
  workspace: Workspace,
  options: { modelId: string; image: { path: string } | { name: string; bytes: Uint8Array } },
): Promise<ImageFileExplanation> {
  const { row, model, contract } = await loadStoredModel(workspace, options.modelId);
  try {
    const spec = imagePreprocessingOfModel(row);
    const read = await readGiven(options.image);
    const file = 'path' in options.image ? basename(options.image.path) : options.image.name;
    const fitted = fitImage(read.image, spec);
    const inputs = normalizeImages(fitted, spec);
    const sampleShape = [spec.height, spec.width, spec.channels];
    const { probabilities, classes } = predictProbabilities(model, inputs, sampleShape);
    const guess = argMaxRows(probabilities, classes)[0] as number;
    const names = contract.classes.length === classes ? contract.classes : [];
    const noGradients = runtimeOnlySentence(row);
    const ig =
      noGradients === undefined
        ? integratedGradients(model, inputs, sampleShape, Int32Array.of(guess))
        : undefined;
    return {
      file,
      format: read.format,
      source: { width: read.image.width, height: read.image.height, channels: read.image.channels },
      preprocessing: describeFit(spec, read.image.width, read.image.height),
      predicted: names[guess] ?? String(guess),
      probabilities: Array.from({ length: classes }, (_, k) => ({
        label: names[k] ?? String(k),
        probability: probabilities[k] as number,
      })),
      sampleShape,
      png: await fittedPng(fitted, spec),
      attribution: ig !== undefined ? Array.from(ig.attributions) : null,
      completenessError: ig?.completenessError ?? null,
      ...(noGradients !== undefined
        ? { attributionNote: `${noGradients}: no gradients for an attribution` }
        : {}),
    };
  } finally {
    model.dispose();
  }
}
