import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import type { SourceFileRow } from '../../store/datasets.js';
import { AttestError, badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { SPLIT_CODES } from '../sample-dataset.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { readImageFile, isImagePath } from './read-image.js';
import { looksLikeDicom } from '../dicom/read-dicom.js';
import { classFolderSources, csvSources, sourceName, type ImageSource } from './sample-sources.js';
import { walkFiles } from './walk-folder.js';
import { boxRectangle, readVocXml } from './voc.js';
import { medmnistSplits, readNpz } from './npz.js';
import { checkImageSize, cropImage, fitImage, type ImagePreprocessing } from './preprocess.js';
import { BY_FILE_WARNING, chooseTestGroups, type ImageSplitSpec } from './image-splits.js';
import {
  storeImageDataset,
  type ImageDatasetFacts,
  type ImageDatasetResult,
  type ImageSamples,
} from './image-dataset-store.js';
import type { DecodedImage } from './decoded-image.js';

export const IMAGE_IMPORTER_VERSION = 'images/1';

export type ImageImportFormat = 'images' | 'dicom' | 'voc' | 'npz';

export interface ImportImagesOptions {
  format: ImageImportFormat;
  /** images/dicom: class folders (ROOT/CLASS/...); voc: annotation folders or XML files; npz: archives. */
  inputs: string[];
  name: string;
  /** images/dicom: a CSV of file,label[,patient] instead of class folders. */
  csv?: string;
  height?: number;
  width?: number;
  fit?: ImagePreprocessing['fit'];
  channels?: 1 | 3;
  normalization?: 'dataset' | 'per-image' | 'unit';
  split?: ImageSplitSpec;
  /** voc: the group of a crop: its source image (default) or the image's folder (one flight per folder). */
  groupBy?: 'image' | 'folder';
  /** voc: margin around each box, as a fraction of its size. */
  margin?: number;
  /** Names for the classes in their sorted order (numeric labels by value), e.g. malignant,benign for 0,1. */
  classNames?: string[];
  /** DICOM: this window (center, width in modality units) instead of the file's VOI LUT or window. */
  window?: { center: number; width: number };
  /** Skip unreadable files (counted in the provenance) instead of refusing the import. */
  skipBad?: boolean;
}

/** One image read from disk, fitted, with what its file says about its group. */
interface Collected {
  pixels: Float32Array;
  label: string;
  /** Group key and kind as found (real identifiers for patients: pseudonymized before storing). */
  group: string;
  groupKind: ImageDatasetFacts['groupKind'];
  split?: number;
  attributes: Record<string, string>;
}

interface Collection {
  items: Collected[];
  sources: SourceFileRow[];
  skipped: { file: string; reason: string }[];
  warnings: string[];
}

function sourceRow(path: string, bytes: Uint8Array, group: string | null): SourceFileRow {
  return { record: group, path, size: bytes.byteLength, sha256: sha256Hex(bytes) };
}

function startsWithDicomMagic(path: string): boolean {
  const head = new Uint8Array(132);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return readSync(fd, head, 0, 132, 0) === 132 && looksLikeDicom(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Runs a reader; a bad file stops the import, or with --skip-bad is counted and left out. */
async function guarded<T>(
  o: ImportImagesOptions,
  c: Collection,
  path: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (o.skipBad !== true || !(error instanceof AttestError) || error.code !== 'BAD_INPUT') throw error;
    c.skipped.push({
      file: path,
      reason: error.message.startsWith(path) ? error.message.slice(path.length + 2) : error.message,
    });
    return undefined;
  }
}

async function collectFiles(o: ImportImagesOptions, spec: FitSpec, c: Collection, context: JobContext) {
  // PACS exports often name DICOM files without an extension: those are taken when they carry the DICM magic
  // (DICOMDIR indexes hold no image and are left out).
  const accept =
    o.format === 'dicom'
      ? (p: string) =>
          /\.(dcm|dicom)$/i.test(p) ||
          (extname(p) === '' && basename(p).toUpperCase() !== 'DICOMDIR' && startsWithDicomMagic(p))
      : isImagePath;
  const sources: ImageSource[] =
    o.csv !== undefined ? csvSources(o.csv) : classFolderSources(o.inputs, accept);
  // The CSV carries the labels and groups: it is a source like the images.
  if (o.csv !== undefined) c.sources.push(sourceRow(resolve(o.csv), readFileSync(resolve(o.csv)), null));
  for (const [i, source] of sources.entries()) {
    throwIfCancelled(context.signal);
    context.progress((0.9 * i) / sources.length, `reading ${basename(source.path)}`);
    await guarded(o, c, source.path, async () => {
      const read = await readImageFile(source.path, o.window !== undefined ? { window: o.window } : {});
      if (o.format === 'dicom' && read.format !== 'dicom') throw badInput('not a DICOM file', source.path);
      spec.resolve(read.image);
      const ids = read.dicom?.identifiers;
      const group =
        source.group !== undefined
          ? { key: source.group, kind: 'patient' as const }
          : ids?.patientId !== undefined
            ? { key: ids.patientId, kind: 'patient' as const }
            : ids?.studyInstanceUid !== undefined
              ? { key: ids.studyInstanceUid, kind: 'study' as const }
              : { key: source.path, kind: 'file' as const };
      const d = read.dicom?.description;
      c.items.push({
        pixels: fitImage(read.image, spec.value()),
        label: source.label,
        group: group.key,
        groupKind: group.kind,
        attributes: Object.fromEntries(
          Object.entries({
            file: basename(source.path),
            display: read.dicom !== undefined ? displayLabel(read.dicom.steps) : undefined,
            laterality: d?.laterality,
            view: d?.viewPosition,
            modality: d?.modality,
          }).filter(([, v]) => v !== undefined),
        ) as Record<string, string>,
      });
      c.sources.push(sourceRow(source.path, read.bytes, null));
    });
  }
}

async function collectVoc(o: ImportImagesOptions, spec: FitSpec, c: Collection, context: JobContext) {
  const xmls = o.inputs.flatMap((input) => {
    const full = resolve(input);
    if (!existsSync(full)) throw badInput('no such file or folder', full);
    return statSync(full).isDirectory() ? walkFiles(full, (p) => /\.xml$/i.test(p)) : [full];
  });
  if (xmls.length === 0) throw badInput(`no VOC .xml annotation under ${o.inputs.join(', ')}`);
  const margin = o.margin ?? 0.1;
  for (const [i, xml] of xmls.entries()) {
    throwIfCancelled(context.signal);
    context.progress((0.9 * i) / xmls.length, `reading ${basename(xml)}`);
    await guarded(o, c, xml, async () => {
      const annotation = readVocXml(xml);
      // The image sits beside the XML, in ../JPEGImages (the VOC layout), or in the folder the XML names.
      const candidates = [
        join(dirname(xml), annotation.filename),
        join(dirname(xml), '..', 'JPEGImages', annotation.filename),
        ...(annotation.folder !== undefined
          ? [join(dirname(xml), '..', annotation.folder, annotation.filename)]
          : []),
      ];
      const imagePath = candidates.find((p) => existsSync(p));
      if (imagePath === undefined)
        throw badInput(
          `the image "${annotation.filename}" it annotates is not found beside it or in ../JPEGImages`,
          xml,
        );
      const read = await readImageFile(imagePath);
      const { width, height } = read.image;
      if (
        annotation.width !== undefined &&
        annotation.height !== undefined &&
        (annotation.width !== width || annotation.height !== height)
      )
        throw badInput(
          `<size> says ${annotation.width} x ${annotation.height}, the image ${basename(imagePath)} is ${width} x ${height}`,
          xml,
        );
      spec.resolve(read.image);
      const crops = annotation.objects.map((object) => {
        const box = boxRectangle(object, width, height, xml);
        const mx = Math.round(box.width * margin);
        const my = Math.round(box.height * margin);
        const x = Math.max(0, box.x - mx);
        const y = Math.max(0, box.y - my);
        const crop: DecodedImage = cropImage(
          read.image,
          x,
          y,
          Math.min(width, box.x + box.width + mx) - x,
          Math.min(height, box.y + box.height + my) - y,
        );
        return { object, crop };
      });
      const group = o.groupBy === 'folder' ? basename(dirname(imagePath)) : basename(imagePath);
      for (const { object, crop } of crops)
        c.items.push({
          pixels: fitImage(crop, spec.value()),
          label: object.name,
          group,
          groupKind: o.groupBy === 'folder' ? 'flight' : 'image',
          attributes: {
            file: basename(imagePath),
            box: `${object.xmin},${object.ymin},${object.xmax},${object.ymax}`,
          },
        });
      c.sources.push(sourceRow(xml, readFileSync(xml), group), sourceRow(imagePath, read.bytes, group));
    });
  }
}

async function collectNpz(o: ImportImagesOptions, spec: FitSpec, c: Collection, context: JobContext) {
  for (const input of o.inputs) {
    const path = resolve(input);
    if (!existsSync(path) || !statSync(path).isFile()) throw badInput('no such file', path);
    const bytes = readFileSync(path);
    const splits = medmnistSplits(readNpz(bytes, path), path);
    c.sources.push(sourceRow(path, bytes, null));
    for (const part of splits) {
      const [n, h, w, ch = 1] = part.images.shape as [number, number, number, number?];
      const size = h * w * ch;
      const max = part.images.dtype.endsWith('u1') ? 255 : part.images.dtype.endsWith('u2') ? 65535 : 1;
      for (let i = 0; i < n; i++) {
        if (i % 256 === 0) {
          throwIfCancelled(context.signal);
          context.progress(0.9 * (i / n), `${basename(path)} ${part.split} ${i}/${n}`);
        }
        const image: DecodedImage = {
          width: w,
          height: h,
          channels: ch as 1 | 3,
          data: Float32Array.from(part.images.data.subarray(i * size, (i + 1) * size), (v) => v / max),
          bitDepth: max === 65535 ? 16 : 8,
        };
        spec.resolve(image);
        c.items.push({
          pixels: fitImage(image, spec.value()),
          label: String(part.labels.data[i]),
          group: `${basename(path)}:${part.split}:${i}`,
          groupKind: 'given',
          split: part.split === 'test' ? SPLIT_CODES.test : SPLIT_CODES.train,
          attributes: {},
        });
      }
    }
  }
}

/** How a DICOM image was displayed, kept per sample: which VOI step (window, VOI LUT, full range) and inversion. */
function displayLabel(steps: unknown): string {
  const s = steps as {
    modality: string;
    voi: string;
    window?: { center: number; width: number };
    inverted: boolean;
  };
  const voi = s.window !== undefined ? `window ${s.window.center}/${s.window.width}` : s.voi;
  return `${s.modality}, ${voi}${s.inverted ? ', inverted' : ''}`;
}

/** The fit spec, whose channel count may be decided by the first image read ('auto'). */
class FitSpec {
  private channels: 1 | 3 | undefined;
  constructor(
    readonly base: { height: number; width: number; fit: ImagePreprocessing['fit'] },
    channels: 1 | 3 | undefined,
  ) {
    this.channels = channels;
  }
  resolve(first: DecodedImage) {
    this.channels ??= first.channels;
  }
  value() {
    return { ...this.base, channels: this.channels ?? 1 };
  }
}

/** Class names in a stable order: numbers numerically (MedMNIST labels), others alphabetically. */
function classOrder(labels: string[]): string[] {
  const unique = [...new Set(labels)];
  return unique.every((l) => /^\d+$/.test(l)) ? unique.sort((a, b) => Number(a) - Number(b)) : unique.sort();
}

/**
 * Imports images as a labelled dataset: every file hashed, each image decoded (DICOM through its display
 * pipeline), fitted to the model input and stored with its label, group and split. Nothing is stored unless every
 * file reads (or --skip-bad names what was left out).
 */
export async function importImageDataset(
  workspace: Workspace,
  o: ImportImagesOptions,
  context: JobContext,
): Promise<ImageDatasetResult> {
  if (o.inputs.length === 0 && o.csv === undefined)
    throw badInput(`import ${o.format} needs at least one path`);
  const height = o.height ?? 64;
  const width = o.width ?? height;
  checkImageSize(height, width);
  if (o.margin !== undefined && !(o.margin >= 0 && o.margin <= 1))
    throw badInput(`--margin must be between 0 and 1, got ${o.margin}`);
  const spec = new FitSpec({ height, width, fit: o.fit ?? 'stretch' }, o.channels);
  const c: Collection = { items: [], sources: [], skipped: [], warnings: [] };
  if (o.format === 'voc') await collectVoc(o, spec, c, context);
  else if (o.format === 'npz') await collectNpz(o, spec, c, context);
  else await collectFiles(o, spec, c, context);
  if (c.items.length === 0) throw badInput('no image could be read');
  if (c.skipped.length > 0) {
    c.warnings.push(
      `${c.skipped.length} unreadable file(s) skipped (--skip-bad): ${c.skipped.map((s) => basename(s.file)).join(', ')}`,
    );
    context.log(`warning: ${c.warnings[c.warnings.length - 1]}`);
  }
  const found = classOrder(c.items.map((x) => x.label));
  if (o.classNames !== undefined && o.classNames.length !== found.length)
    throw badInput(
      `--classes names ${o.classNames.length} classes, the data has ${found.length} (${found.join(', ')})`,
    );
  if (o.classNames !== undefined && new Set(o.classNames).size !== o.classNames.length)
    throw badInput('--classes repeats a name');
  const classes = found;
  if (classes.length < 2)
    throw badInput(`found one class only ("${classes[0]}"); a classifier needs at least two`);
  if (classes.length > 255) throw badInput(`found ${classes.length} classes; at most 255 are supported`);

  // Groups: patients and studies are pseudonymized; the real identifiers stay in the bundle only.
  const kinds = new Set(c.items.map((x) => x.groupKind));
  const groupKind: ImageDatasetFacts['groupKind'] = kinds.has('patient')
    ? 'patient'
    : kinds.has('study')
      ? 'study'
      : ([...kinds][0] ?? 'file');
  // Sorted, so that the same patients get the same pseudonyms (and split) whatever the order files are read in.
  const keys = [...new Set(c.items.map((x) => x.group))].sort();
  const pseudonymous = groupKind === 'patient' || groupKind === 'study';
  const width3 = String(keys.length).length;
  const groupNames = keys.map((k, i) =>
    pseudonymous
      ? `${groupKind}-${String(i + 1).padStart(Math.max(3, width3), '0')}`
      : groupKind === 'file'
        ? sourceName(k)
        : k,
  );
  const groupIndex = new Map(keys.map((k, i) => [k, i]));
  const groups = c.items.map((x) => groupIndex.get(x.group) as number);
  if (pseudonymous && kinds.has('file'))
    c.warnings.push('some images carry no patient or study: each of those is its own group');

  let split =
    o.split ??
    (groupKind === 'given'
      ? { kind: 'given' as const }
      : { kind: 'groups' as const, seed: 1, testFraction: 0.3 });
  let splits: number[];
  if (split.kind === 'given') {
    if (groupKind !== 'given')
      throw badInput('--split given needs a source with published splits (an .npz with train/val/test)');
    splits = c.items.map((x) => x.split ?? SPLIT_CODES.train);
    c.warnings.push(
      'split as published with the archive (train and val are used for training); patients are not known',
    );
  } else {
    if (split.kind === 'groups' && (groupKind === 'file' || groupKind === 'given'))
      split = { kind: 'files', seed: split.seed, testFraction: split.testFraction };
    if (split.kind === 'files' || groupKind === 'file' || groupKind === 'given') {
      c.warnings.push(BY_FILE_WARNING);
      context.log(`warning: ${BY_FILE_WARNING}`);
    } else if (groupKind === 'image') {
      c.warnings.push(
        'crops are split by source image (no flight folder given: --group-by folder keeps a flight together)',
      );
    }
    const sizes = new Map<string, number>();
    const unitOf = (i: number) =>
      split.kind === 'files' ? `sample-${i}` : (groupNames[groups[i] as number] as string);
    c.items.forEach((_, i) => sizes.set(unitOf(i), (sizes.get(unitOf(i)) ?? 0) + 1));
    const test = chooseTestGroups(sizes, split.seed, split.testFraction);
    splits = c.items.map((_, i) => (test.has(unitOf(i)) ? SPLIT_CODES.test : SPLIT_CODES.train));
  }
  const samples: ImageSamples = {
    pixels: c.items.map((x) => x.pixels),
    labels: c.items.map((x) => classes.indexOf(x.label)),
    groups,
    splits,
    attributes: c.items.map((x) => x.attributes),
  };
  const fit = spec.value();
  const params = {
    format: o.format,
    inputs: o.inputs,
    ...(o.csv !== undefined ? { csv: o.csv } : {}),
    height: fit.height,
    width: fit.width,
    fit: fit.fit,
    channels: fit.channels,
    normalization: o.normalization ?? 'dataset',
    split,
    ...(o.format === 'voc' ? { groupBy: o.groupBy ?? 'image', margin: o.margin ?? 0.1 } : {}),
    ...(o.window !== undefined ? { window: o.window } : {}),
    skipBad: o.skipBad === true,
    ...(o.classNames !== undefined ? { classNames: o.classNames, labelValues: classes } : {}),
  };
  return storeImageDataset(
    workspace,
    {
      name: o.name,
      importer: IMAGE_IMPORTER_VERSION,
      params,
      classes: o.classNames ?? classes,
      groupNames,
      groupKind,
      ...(pseudonymous
        ? { groupIdentifiers: Object.fromEntries(groupNames.map((g, i) => [g, keys[i] as string])) }
        : {}),
      preprocessing: { version: 1, ...fit, normalization: o.normalization ?? 'dataset' },
      sources: c.sources,
    },
    samples,
    c.warnings,
    c.skipped,
    context,
  );
}
