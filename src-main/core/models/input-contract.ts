import type { ModelRow } from '../store/models.js';
import type { ContextTail, SampleDataset } from '../data/sample-dataset.js';
import { badInput } from '../errors.js';
import { INPUT_PRESETS } from './input-presets.js';
import type { ImageContract } from './image-contract.js';
import type { ImageNormalization } from '../data/images/preprocess.js';

/*
 * The input contract: what a model expects of every sample, and how a dataset's samples were made. A beat cut
 * or scaled differently from the model's training data gives wrong answers without any error, so a pair whose
 * contract disagrees is refused before anything runs, with both sides named.
 */

export { INPUT_PRESETS } from './input-presets.js';

export type InputLayout = 'channels-last' | 'channels-first';

export interface InputContract {
  /** One sample as Attest feeds it (channels last), e.g. [187, 1]. */
  shape: number[];
  /** The layout of the model as delivered; a channels-first model gets a transpose in front at import. */
  sourceLayout: InputLayout;
  /** The range the input values must lie in, when the model's maker says so. */
  valueRange: [number, number] | null;
  /** The preprocessing preset of its training data (INPUT_PRESETS), or null when nobody said. */
  preset: string | null;
  /** Class names in the order of the model's outputs. */
  classes: string[];
  /** What the delivered model outputs; Attest stores logits models with a softmax appended. */
  output: 'probabilities' | 'logits';
  /** An imported image model's size, channels and normalization (`--normalize` at import), when given. */
  image?: ImageContract;
  /**
   * Context values at the end of every sample (an ECG beat's R-R intervals, preset record-normalized-rr): noise
   * and attacks perturb only the signal before them. Absent: the whole sample is signal.
   */
  contextTail?: ContextTail;
}

export function checkPresetName(preset: string): string {
  if (!(preset in INPUT_PRESETS))
    throw badInput(`unknown preset "${preset}"; available: ${Object.keys(INPUT_PRESETS).join(', ')}`);
  return preset;
}

/** How a dataset's samples were made, as recorded at its import. */
export function datasetPreset(dataset: SampleDataset): string | null {
  const ecg = dataset.modelMeta['preprocessing'];
  if (typeof ecg === 'string') return ecg;
  const image = dataset.modelMeta['imagePreprocessing'] as { normalization?: { kind?: string } } | undefined;
  return typeof image?.normalization?.kind === 'string' ? `image-${image.normalization.kind}` : null;
}

/** The contract of a stored model: recorded at import, else read from what training recorded. */
export function modelInputContract(row: ModelRow): InputContract {
  const recorded = row.config['inputContract'] as InputContract | undefined;
  if (recorded !== undefined) return recorded;
  const meta = (row.config['meta'] ?? {}) as {
    sampleShape?: number[];
    inputLength?: number;
    classes?: string[];
    preprocessing?: string;
    imagePreprocessing?: { normalization?: { kind?: string } };
    contextTail?: ContextTail;
  };
  const imageKind = meta.imagePreprocessing?.normalization?.kind;
  return {
    shape: meta.sampleShape ?? [meta.inputLength ?? NaN, 1],
    sourceLayout: 'channels-last',
    valueRange: null,
    preset: meta.preprocessing ?? (imageKind !== undefined ? `image-${imageKind}` : null),
    classes: meta.classes ?? [],
    output: 'probabilities',
    ...(meta.contextTail !== undefined ? { contextTail: meta.contextTail } : {}),
  };
}

export function isImportedModel(row: ModelRow): boolean {
  return row.config['origin'] !== undefined;
}

/**
 * Refuses a model and a dataset that disagree on the sample shape, the preprocessing preset or the classes
 * (names and order), naming both sides. A model imported without a preset cannot vouch for its input format:
 * it is refused on datasets until it is imported again with --preset.
 */
export function checkInputContract(
  row: ModelRow,
  dataset: SampleDataset,
  options: { normalizesImages?: boolean } = {},
): void {
  const contract = modelInputContract(row);
  const modelSide = `model ${row.id} (${row.name})`;
  const dataSide = `dataset ${dataset.id} (${dataset.name})`;
  if (contract.image !== undefined) {
    checkImageContract(contract.image, dataset, modelSide, dataSide, options.normalizesImages === true);
    checkClasses(contract, dataset, row, modelSide, dataSide);
    return;
  }
  if (contract.shape.join('x') !== dataset.sampleShape.join('x'))
    throw badInput(
      `input contract mismatch: ${modelSide} reads samples of shape ${contract.shape.join('x')}; ${dataSide} gives ${dataset.sampleShape.join('x')}`,
    );
  const preset = datasetPreset(dataset);
  if (contract.preset === null && isImportedModel(row))
    throw badInput(
      `input contract unknown: ${modelSide} was imported without a preprocessing preset, so nothing says its inputs are made like those of ${dataSide} (preset ${preset ?? 'unrecorded'}); import it again with --preset ${preset ?? 'NAME'} if its training data was made that way`,
    );
  if (contract.preset !== null && preset !== null && contract.preset !== preset)
    throw badInput(
      `input contract mismatch: ${modelSide} expects samples made with preset ${contract.preset}; ${dataSide} was made with preset ${preset}`,
    );
  checkClasses(contract, dataset, row, modelSide, dataSide);
}

function checkClasses(
  contract: InputContract,
  dataset: SampleDataset,
  row: ModelRow,
  modelSide: string,
  dataSide: string,
): void {
  if (contract.classes.length > 0 && contract.classes.join('\u0000') !== dataset.classes.join('\u0000'))
    throw badInput(
      `input contract mismatch: ${modelSide} outputs the classes ${contract.classes.join(', ')}; ${dataSide} labels its samples ${dataset.classes.join(', ')} (names and order must agree${isImportedModel(row) ? '; give them at import with --classes' : ''})`,
    );
}

const sameNormalization = (a: ImageNormalization, b: ImageNormalization): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * An image model with a recorded size, channels and normalization against an image dataset: size and channels
 * must agree; the normalization too, unless the caller feeds the dataset's stored pixels under the model's
 * normalization (validate and predict do: datasetForModel in image-contract.ts).
 */
function checkImageContract(
  image: ImageContract,
  dataset: SampleDataset,
  modelSide: string,
  dataSide: string,
  normalizesImages: boolean,
): void {
  const reads = `${modelSide} reads ${image.height}x${image.width} images with ${image.channels} channel${image.channels === 1 ? '' : 's'}`;
  const [height, width, channels] = dataset.sampleShape;
  if (
    dataset.kind !== 'images' ||
    height !== image.height ||
    width !== image.width ||
    channels !== image.channels
  )
    throw badInput(
      `input contract mismatch: ${reads}; ${dataSide} ${dataset.kind === 'images' ? `holds ${height}x${width} images with ${channels} channel${channels === 1 ? '' : 's'}: import the images again with --size ${image.height}x${image.width} --channels ${image.channels} (and the --fit the model's maker used: stretch, crop or pad)` : `holds ${dataset.kind}`}`,
    );
  const own = (dataset.modelMeta['imagePreprocessing'] as { normalization?: ImageNormalization } | undefined)
    ?.normalization;
  if (!normalizesImages && own !== undefined && !sameNormalization(own, image.normalization))
    throw badInput(
      `input contract mismatch: ${modelSide} expects images normalized as ${image.normalize}; ${dataSide} normalizes them as ${own.kind}: import the images again with a matching --normalize`,
    );
}
