import type { Workspace } from '../store/workspace.js';
import type { ModelRow } from '../store/models.js';
import type { SampleDataset } from '../data/sample-dataset.js';
import { imageSampleDataset, loadImageDataset } from '../data/images/image-dataset.js';
import { IMAGE_DATASET_KIND } from '../data/images/image-dataset-store.js';
import type { ImageNormalization } from '../data/images/preprocess.js';
import { badInput } from '../errors.js';
import { checkInputContract, modelInputContract } from './input-contract.js';

/**
 * What an imported image model expects of its input, from the model itself (height, width and channels of its
 * input shape) and from its maker (the intensity normalization, `--normalize` at import). Image datasets store
 * fitted pixels in [0, 1] and normalize them only when they are fed to a model, so a dataset of the right size
 * and channels is fed to such a model under the model's normalization, whatever normalization it was imported
 * with; a dataset of another size or channel count is refused, both sides named.
 */
export interface ImageContract {
  height: number;
  width: number;
  channels: 1 | 3;
  normalization: ImageNormalization;
  /** The --normalize value as given (unit, imagenet, ...), for messages and the model card. */
  normalize: string;
}

/** The normalizations a model's maker names most often; any other is given as MEAN/STD per channel. */
const NAMED: Record<string, (channels: number) => ImageNormalization> = {
  unit: () => ({ kind: 'unit' }),
  '0-1': () => ({ kind: 'unit' }),
  'per-image': () => ({ kind: 'per-image' }),
  // torchvision's ImageNet statistics, on intensities in [0, 1].
  imagenet: (c) =>
    c === 3
      ? { kind: 'dataset', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }
      : { kind: 'dataset', mean: [0.449], std: [0.226] },
  // [-1, 1], as Keras' MobileNet and Inception preprocess_input scale images.
  symmetric: (c) => ({ kind: 'dataset', mean: Array(c).fill(0.5), std: Array(c).fill(0.5) }),
  '-1-1': (c) => ({ kind: 'dataset', mean: Array(c).fill(0.5), std: Array(c).fill(0.5) }),
};

export const MODEL_NORMALIZATIONS =
  'unit (0-1), imagenet, symmetric (-1-1), per-image, or MEAN/STD per channel';

function numbers(text: string, channels: number, what: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length === 1) return Array(channels).fill(values[0]) as number[];
  if (values.length !== channels || values.some((v) => !Number.isFinite(v)))
    throw badInput(`--normalize ${what} needs 1 or ${channels} numbers, got "${text}"`);
  return values;
}

/** Reads --normalize for a model with `channels` input channels. */
export function parseModelNormalization(text: string, channels: number): ImageNormalization {
  const named = NAMED[text.trim().toLowerCase()];
  if (named !== undefined) return named(channels);
  const [mean, std, extra] = text.split('/');
  if (mean === undefined || std === undefined || extra !== undefined)
    throw badInput(`--normalize must be ${MODEL_NORMALIZATIONS} (e.g. 0.5/0.25), got "${text}"`);
  const stds = numbers(std, channels, 'STD');
  if (stds.some((s) => !(s > 0))) throw badInput(`--normalize STD must be positive, got "${std}"`);
  return { kind: 'dataset', mean: numbers(mean, channels, 'MEAN'), std: stds };
}

/** The image contract of a model whose input (channels last) is `shape`, under the given normalization. */
export function imageContractOf(shape: number[], normalize: string, fileName: string): ImageContract {
  const [height, width, channels] = shape;
  if (shape.length !== 3 || height === undefined || width === undefined || (channels !== 1 && channels !== 3))
    throw badInput(
      `--normalize is for image models (input height x width x 1 or 3 channels); this model reads ${shape.join('x')}`,
      fileName,
    );
  return { height, width, channels, normalization: parseModelNormalization(normalize, channels), normalize };
}

export function describeNormalization(n: ImageNormalization): string {
  if (n.kind === 'unit') return 'intensities in [0, 1]';
  if (n.kind === 'per-image') return 'each image to mean 0 and standard deviation 1';
  return `(x - [${n.mean.map((v) => +v.toFixed(4)).join(', ')}]) / [${n.std.map((v) => +v.toFixed(4)).join(', ')}] on intensities in [0, 1]`;
}

/**
 * The dataset as this model must see it, after the input contract is checked (both sides named if they
 * disagree): for an imported image model with an image contract, the stored pixels under the model's
 * normalization (the dataset's own is not used), with a note saying so; any other pair unchanged. Size and
 * channels must agree: a resize here would undo what the dataset's fit (stretch, crop, pad) decided, so the
 * data is imported again at the model's size instead (the refusal gives the options).
 */
export function datasetForModel(
  workspace: Workspace,
  row: ModelRow,
  dataset: SampleDataset,
): { dataset: SampleDataset; note?: string } {
  checkInputContract(row, dataset, { normalizesImages: true });
  const contract = modelInputContract(row).image;
  if (contract === undefined || dataset.kind !== IMAGE_DATASET_KIND) return { dataset };
  const images = loadImageDataset(workspace, dataset.id);
  const p = images.preprocessing;
  return {
    dataset: imageSampleDataset({
      ...images,
      preprocessing: { ...p, normalization: contract.normalization },
    }),
    note:
      `the dataset's stored pixels were normalized as the model expects (${contract.normalize}: ${describeNormalization(contract.normalization)}), ` +
      `not with the dataset's own ${p.normalization.kind} normalization`,
  };
}
