import type { Command, CommandContext } from '../command.js';
import { badInput } from '../../core/errors.js';
import { cliJobContext } from './job-context.js';
import {
  importImageDataset,
  type ImageImportFormat,
  type ImportImagesOptions,
} from '../../core/pipelines/import/import-image-dataset.js';
import { parseImageSplit } from '../../core/data/images/image-splits.js';
import { FITS } from '../../core/data/images/preprocess.js';
import type { ImageDatasetResult } from '../../core/data/images/image-dataset-store.js';

const COMMON =
  '--name NAME [--size 64|HxW] [--fit stretch|crop|pad] [--channels 1|3] [--normalize dataset|per-image|unit] [--split groups:SEED:FRACTION|files:SEED:FRACTION|given] [--classes A,B,...] [--skip-bad] [--json]';

/** Options shared by the four image importers. */
function readOptions(context: CommandContext, format: ImageImportFormat): ImportImagesOptions {
  const { options } = context;
  const name = options.requiredString('name');
  const sizeText = options.string('size');
  let height: number | undefined;
  let width: number | undefined;
  if (sizeText !== undefined) {
    const match = /^(\d+)(?:x(\d+))?$/.exec(sizeText);
    if (match === null)
      throw badInput(`--size must be N or HEIGHTxWIDTH (e.g. 64 or 64x96), got "${sizeText}"`);
    height = Number(match[1]);
    width = Number(match[2] ?? match[1]);
  }
  const fit = options.string('fit');
  if (fit !== undefined && !(FITS as readonly string[]).includes(fit))
    throw badInput(`--fit must be ${FITS.join(', ')}, got "${fit}"`);
  const channels = options.number('channels', { min: 1, max: 3, integer: true });
  if (channels !== undefined && channels !== 1 && channels !== 3) throw badInput('--channels must be 1 or 3');
  const normalization = options.string('normalize');
  if (normalization !== undefined && !['dataset', 'per-image', 'unit'].includes(normalization))
    throw badInput(`--normalize must be dataset, per-image or unit, got "${normalization}"`);
  const splitText = options.string('split');
  const skipBad = options.flag('skip-bad');
  const windowText = format === 'images' || format === 'dicom' ? options.string('window') : undefined;
  let window: { center: number; width: number } | undefined;
  if (windowText !== undefined) {
    const [center, width] = windowText.split(':').map(Number);
    if (center === undefined || width === undefined || !Number.isFinite(center) || !(width >= 1))
      throw badInput(
        `--window must be CENTER:WIDTH with a width of at least 1 (e.g. 2048:4096), got "${windowText}"`,
      );
    window = { center, width };
  }
  const classNames = options
    .string('classes')
    ?.split(',')
    .map((c) => c.trim());
  if (classNames !== undefined && classNames.some((c) => c === '' || c.length > 100))
    throw badInput('--classes must be comma-separated names of 1 to 100 characters');
  const csv = format === 'images' || format === 'dicom' ? options.string('csv') : undefined;
  const groupBy = format === 'voc' ? options.string('group-by') : undefined;
  if (groupBy !== undefined && groupBy !== 'image' && groupBy !== 'folder')
    throw badInput(`--group-by must be image or folder, got "${groupBy}"`);
  const margin = format === 'voc' ? options.number('margin', { min: 0, max: 1 }) : undefined;
  options.rejectUnknown();
  return {
    format,
    inputs: options.positionals,
    name,
    ...(csv !== undefined ? { csv } : {}),
    ...(height !== undefined ? { height } : {}),
    ...(width !== undefined ? { width } : {}),
    ...(fit !== undefined ? { fit: fit as ImportImagesOptions['fit'] & string } : {}),
    ...(channels !== undefined ? { channels: channels as 1 | 3 } : {}),
    ...(normalization !== undefined
      ? { normalization: normalization as 'dataset' | 'per-image' | 'unit' }
      : {}),
    ...(splitText !== undefined ? { split: parseImageSplit(splitText) } : {}),
    ...(groupBy !== undefined ? { groupBy: groupBy as 'image' | 'folder' } : {}),
    ...(margin !== undefined ? { margin } : {}),
    ...(classNames !== undefined ? { classNames } : {}),
    ...(window !== undefined ? { window } : {}),
    skipBad,
  };
}

export function describeImageImport(result: ImageDatasetResult): string {
  const p = result.preprocessing;
  return [
    `dataset ${result.datasetId} "${result.name}": ${result.images} images from ${result.groups} ${result.groupKind} groups, ${p.height}x${p.width}x${p.channels} (${p.fit}, ${p.normalization.kind} normalization)`,
    ...Object.entries(result.splits).map(
      ([split, s]) =>
        `  ${split}: ${s.total} images (${Object.entries(s.classes)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')}) from ${s.groups} groups`,
    ),
    ...result.skipped.map((s) => `  skipped ${s.file}: ${s.reason}`),
    ...result.warnings.map((w) => `  warning: ${w}`),
  ].join('\n');
}

function importCommand(format: ImageImportFormat, usage: string, summary: string): Command {
  return {
    path: ['import', format],
    usage: `import ${format} ${usage} ${COMMON}`,
    summary,
    booleanFlags: ['skip-bad'],
    async run(context) {
      const options = readOptions(context, format);
      const result = await importImageDataset(context.workspace(), options, cliJobContext(context));
      context.out.result(result, () => describeImageImport(result));
    },
  };
}

export const importImagesCommand = importCommand(
  'images',
  'ROOT... | --csv FILE.csv',
  'Import PNG, JPEG, TIFF, PGM, BMP or DICOM images: class-per-folder (ROOT/CLASS/...) or a CSV of file,label[,patient]; split by patient when known, else by file (flagged)',
);
export const importDicomCommand = importCommand(
  'dicom',
  'ROOT... | --csv FILE.csv [--window CENTER:WIDTH]',
  'Import DICOM images (any supported transfer syntax, displayed through their LUTs and window) by class folder or CSV; split by Patient ID, kept pseudonymous',
);
export const importVocCommand = importCommand(
  'voc',
  'DIR|FILE.xml... [--group-by image|folder] [--margin 0.1]',
  'Import Pascal VOC annotations as one crop per box, labelled by the object name (e.g. insulator vs defect); crops of one image (or flight folder) stay on one side',
);
export const importNpzCommand = importCommand(
  'npz',
  'FILE.npz...',
  'Import MedMNIST-style .npz archives (train/val/test images and labels), keeping the published split',
);
