import type { ActionRequest, ImageFormat, JobSpec } from '../../../src-main/contract/index.js';

/** The import wizard's answers, and the job they become (one importer of the core per source). */
export type ImportSource =
  | 'sample'
  | 'wfdb'
  | 'edf'
  | 'table'
  | 'synthetic'
  | ImageFormat
  | 'generate-mammograms'
  | 'generate-insulators'
  /** Whole frames with every box, for object detection (`attest import detection`), and scenes made for it. */
  | 'detection'
  | 'generate-detection';

export const IMAGE_SOURCES: readonly ImageFormat[] = ['images', 'dicom', 'voc', 'npz'];

export function isImageSource(source: ImportSource): source is ImageFormat {
  return (IMAGE_SOURCES as readonly string[]).includes(source);
}

export function isGenerator(
  source: ImportSource,
): source is 'generate-mammograms' | 'generate-insulators' | 'generate-detection' {
  return (
    source === 'generate-mammograms' || source === 'generate-insulators' || source === 'generate-detection'
  );
}

export interface ImportChoices {
  source: ImportSource;
  records: string[];
  paths: string;
  name: string;
  splitMode: 'random' | 'records' | 'ds1ds2';
  testRecords: string;
  testFraction: number;
  limitSeconds: boolean;
  seconds: number;
  syntheticPatients: number;
  tableFs: number;
  tableTestFile: string;
  /** Images and DICOM: a CSV of file,label[,patient] instead of class folders (empty: folders). */
  imageCsv: string;
  /** Square model input, pixels per side. */
  imageSize: number;
  /** groups: by patient, study or flight (by file when none is known); files: by image; given: the archive's. */
  imageSplit: 'groups' | 'files' | 'given';
  /** VOC: keep each flight folder on one side of the split. */
  groupByFolder: boolean;
  /** DICOM: the window chosen in the preview, applied at import; null keeps each file's own window or LUT. */
  window: { center: number; width: number } | null;
  skipBad: boolean;
  generatePatients: number;
  generateFlights: number;
  /** Detection: frames larger than this (longest side, px) are shrunk at import. */
  detectionMaxSide: number;
  /** Images: names for numeric class labels ("0", "1"), by label; empty keeps the label. */
  classNames: Record<string, string>;
}

/** True when every class is a number: such labels need names a reviewer can read (0 = malignant). */
export function numericClasses(classes: readonly string[]): boolean {
  return classes.length > 0 && classes.every((c) => /^\d+$/.test(c));
}

/** The names given for numeric labels, in the classes' order, or undefined when none was given. */
export function chosenClassNames(c: ImportChoices, classes: readonly string[]): string[] | undefined {
  if (!numericClasses(classes)) return undefined;
  const names = classes.map((label) => c.classNames[label]?.trim() ?? '');
  if (names.every((n) => n === '')) return undefined;
  return classes.map((label, i) => (names[i] === '' ? label : (names[i] as string)));
}

export function pathList(text: string): string[] {
  return text
    .split('\n')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

export function splitText(c: ImportChoices): string {
  if (c.splitMode === 'ds1ds2') return 'ds1ds2';
  if (c.splitMode === 'records') return `test:${c.testRecords.replace(/\s+/g, '')}`;
  return `records:1:${(c.testFraction / 100).toFixed(2)}`;
}

/** The image split as `attest import images --split` takes it. */
export function imageSplitText(c: ImportChoices): string {
  if (c.imageSplit === 'given') return 'given';
  return `${c.imageSplit}:1:${(c.testFraction / 100).toFixed(2)}`;
}

function imageSource(c: ImportChoices): { paths: string[]; csv?: string } {
  const csv = c.imageCsv.trim();
  return c.source !== 'voc' && c.source !== 'npz' && csv !== ''
    ? { paths: [], csv }
    : { paths: pathList(c.paths) };
}

export function imagePreviewRequest(
  c: ImportChoices & { source: ImageFormat },
): ActionRequest<'images.preview'> {
  return {
    format: c.source,
    ...imageSource(c),
    split: imageSplitText(c),
    ...(c.source === 'voc' && c.groupByFolder ? { groupBy: 'folder' as const } : {}),
    limit: 24,
  };
}

/** A folder name under the home for generated images: unique per run, a name and never a path. */
export function generatedFolder(kind: 'mammograms' | 'insulators', now = new Date()): string {
  return `${kind}-${now.toISOString().replace(/[:.]/g, '-')}`;
}

export function generateSpec(c: ImportChoices, folder: string): JobSpec {
  return c.source !== 'generate-mammograms'
    ? { kind: 'generate-images', generator: 'insulators', folder, flights: c.generateFlights, perFlight: 4 }
    : {
        kind: 'generate-images',
        generator: 'mammograms',
        folder,
        patients: c.generatePatients,
        perPatient: 2,
        size: 64,
      };
}

/** `classes`: the classes the image preview found, for the names given to numeric labels. */
export function importSpec(c: ImportChoices, classes: readonly string[] = []): JobSpec {
  const split = splitText(c);
  const classNames = chosenClassNames(c, classes);
  if (c.source === 'detection')
    return {
      kind: 'import-detection',
      name: c.name,
      paths: pathList(c.paths),
      maxSide: c.detectionMaxSide,
      groupBy: c.groupByFolder ? 'folder' : 'image',
      testFraction: c.testFraction / 100,
    };
  if (isImageSource(c.source))
    return {
      kind: 'import-images',
      format: c.source,
      name: c.name,
      ...imageSource(c),
      size: c.imageSize,
      split: imageSplitText(c),
      ...(c.window !== null && (c.source === 'dicom' || c.source === 'images') ? { window: c.window } : {}),
      ...(c.source === 'voc' && c.groupByFolder ? { groupBy: 'folder' as const } : {}),
      ...(c.skipBad ? { skipBad: true } : {}),
      ...(classNames !== undefined ? { classNames } : {}),
    };
  switch (c.source) {
    case 'synthetic':
      return {
        kind: 'import-synthetic',
        name: c.name,
        records: c.syntheticPatients,
        seconds: c.seconds,
        seed: 1,
        split,
      };
    case 'edf':
      return { kind: 'import-edf', name: c.name, paths: pathList(c.paths), split };
    case 'table':
      // One row per beat (the 187-sample heartbeat CSV): the test rows are a file of their own, or a share of beats.
      return {
        kind: 'import-timeseries',
        name: c.name,
        paths: pathList(c.paths),
        layout: 'beats',
        fs: c.tableFs,
        ...(c.tableTestFile.trim() !== ''
          ? { testFile: c.tableTestFile.trim() }
          : { split: `beats:1:${(c.testFraction / 100).toFixed(2)}` }),
      };
    default:
      return {
        kind: 'import-wfdb',
        name: c.name,
        split,
        source:
          c.source === 'sample'
            ? { kind: 'sample', records: [...c.records] }
            : { kind: 'paths', paths: pathList(c.paths) },
        ...(c.limitSeconds ? { durationSeconds: c.seconds } : {}),
      };
  }
}

export function sourceReady(c: ImportChoices): boolean {
  if (c.source === 'sample') return c.records.length > 0;
  if (c.source === 'synthetic') return c.syntheticPatients >= 3;
  // Generated images are imported from the folder they were written to: generate first.
  if (isGenerator(c.source)) return false;
  if ((c.source === 'images' || c.source === 'dicom') && c.imageCsv.trim() !== '') return true;
  return pathList(c.paths).length > 0;
}

export function describeSource(c: ImportChoices): string {
  switch (c.source) {
    case 'sample':
      return `bundled MIT-BIH records ${c.records.join(', ')}`;
    case 'synthetic':
      return `${c.syntheticPatients} synthetic patients`;
    case 'table':
      return `one row per beat at ${c.tableFs} Hz from ${pathList(c.paths).join(', ')}`;
    case 'images':
    case 'dicom': {
      const what = c.source === 'dicom' ? 'DICOM images' : 'images';
      return c.imageCsv.trim() !== ''
        ? `${what} listed in ${c.imageCsv.trim()}`
        : `${what} by class folder from ${pathList(c.paths).join(', ')}`;
    }
    case 'voc':
      return `one crop per Pascal VOC box from ${pathList(c.paths).join(', ')}`;
    case 'npz':
      return `MedMNIST archives ${pathList(c.paths).join(', ')}`;
    case 'detection':
      return `whole frames with all their Pascal VOC boxes, for object detection, from ${pathList(c.paths).join(', ')}`;
    default:
      return pathList(c.paths).join(', ');
  }
}

/** Detection frames are split by flight folder (or by image): the same groups:SEED:FRACTION the CLI takes. */
export function detectionSplitText(c: ImportChoices): string {
  return `groups:1:${(c.testFraction / 100).toFixed(2)}`;
}

/** The boxes a detection import would read, previewed as the VOC crop preview shows them (one tile per box). */
export function detectionPreviewRequest(c: ImportChoices): ActionRequest<'images.preview'> {
  return {
    format: 'voc',
    paths: pathList(c.paths),
    split: detectionSplitText(c),
    groupBy: c.groupByFolder ? 'folder' : 'image',
    limit: 24,
  };
}

/**
 * The split of the review step in words: the reviewer checks what will be held out, not a command-line code
 * (`records:1:0.30`). The code itself is still what the import job is given.
 */
export function splitWords(c: ImportChoices, kind: 'records' | 'table' | 'images' | 'detection'): string {
  const share = `${Math.round(c.testFraction)} %`;
  if (kind === 'detection')
    return `${share} of the flight folders for testing, never split across the two sides`;
  if (kind === 'images') {
    if (c.imageSplit === 'given') return 'the training and test sets as published with the archive';
    if (c.imageSplit === 'groups')
      return `${share} of the patients (or studies) for testing: no patient on both sides`;
    return `${share} of the images for testing, chosen at random (optimistic: one patient can be on both sides)`;
  }
  if (kind === 'table')
    return c.tableTestFile
      ? `the test file ${c.tableTestFile}`
      : `${share} of the beats for testing, chosen at random (optimistic: one patient can be on both sides)`;
  if (c.splitMode === 'ds1ds2') return 'de Chazal’s DS1 for training and DS2 for testing (22 records each)';
  if (c.splitMode === 'records') {
    const records = c.testRecords
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    return `${records.length === 1 ? 'record' : 'records'} ${records.join(', ')} for testing, the others for training`;
  }
  return `${share} of the records for testing, chosen at random: no record on both sides`;
}
