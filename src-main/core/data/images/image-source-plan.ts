import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import { looksLikeDicom } from '../dicom/read-dicom.js';
import { parseDicomFile } from '../dicom/dicom-file.js';
import { classFolderSources, csvSources, sourceName } from './sample-sources.js';
import { isImagePath } from './read-image.js';
import { walkFiles } from './walk-folder.js';
import { readVocXml, type VocObject } from './voc.js';
import { locateVocImage, vocDatasetRoot } from './voc-image-path.js';
import { medmnistSplits, readNpz, type NpzImageSplit } from './npz.js';
import {
  BY_FILE_WARNING,
  chooseTestGroups,
  GIVEN_SPLIT_WARNING,
  parseImageSplit,
  type ImageSplitSpec,
} from './image-splits.js';
import type { ImageImportFormat } from './image-import-options.js';

/*
 * What an image import would make of its sources, worked out without decoding a pixel: the files with their
 * label and group, and the class balance per split the importer would produce. The import wizard shows it
 * before anything is stored. The grouping and split rules are those of import-image-dataset.ts; a test imports
 * the same folders and compares, so that the preview cannot drift from what the import does.
 */

export interface PlannedSample {
  /** The file the sample is read from (the image a VOC box lies in). */
  path: string;
  label: string;
  group: string;
  groupKind: 'patient' | 'study' | 'flight' | 'image' | 'file' | 'given';
  /** VOC: the box cropped out of the image. */
  box?: VocObject;
  /** npz: the archive's own split and the image's index in it. */
  given?: { part: NpzImageSplit; index: number };
}

export interface ImageSourcePlan {
  samples: PlannedSample[];
  classes: string[];
  groupKind: PlannedSample['groupKind'];
  groups: number;
  /** Images per class on each side, as the import would split them; null when the split cannot be made. */
  splits: { train: Record<string, number>; test: Record<string, number> } | null;
  /** Why the import would refuse these sources or this split (shown beside the preview). */
  problems: string[];
  warnings: string[];
}

export interface PlanOptions {
  format: ImageImportFormat;
  inputs: string[];
  csv?: string;
  split?: string;
  groupBy?: 'image' | 'folder';
}

const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof import('dicom-parser');

/** The first bytes of a file (all of it when shorter). */
function head(path: string, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return bytes.subarray(0, readSync(fd, bytes, 0, length, 0));
  } catch {
    return new Uint8Array(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function dicomMagic(path: string): boolean {
  return looksLikeDicom(head(path, 132));
}

/** Enough for the attributes before the pixel data of almost any file; mammograms are tens of megabytes. */
const HEADER_BYTES = 64 * 1024;

function text(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * The patient (else study) a DICOM file's header names, from its first kilobytes and without its pixels: a
 * preview of thousands of mammograms must not read them whole. A header longer than that, or a deflated data
 * set, is read through the full parser.
 */
function dicomGroup(path: string): { key: string; kind: 'patient' | 'study' } | undefined {
  const start = head(path, HEADER_BYTES);
  if (!looksLikeDicom(start)) return undefined;
  let ids: { patientId?: string | undefined; studyInstanceUid?: string | undefined };
  try {
    const dataSet = dicomParser.parseDicom(start, { untilTag: 'x7fe00010' });
    ids = {
      patientId: text(dataSet.string('x00100020')),
      studyInstanceUid: text(dataSet.string('x0020000d')),
    };
  } catch {
    ids = parseDicomFile(readFileSync(path), path).identifiers;
  }
  if (ids.patientId !== undefined) return { key: ids.patientId, kind: 'patient' };
  if (ids.studyInstanceUid !== undefined) return { key: ids.studyInstanceUid, kind: 'study' };
  return undefined;
}

function fileSamples(o: PlanOptions): PlannedSample[] {
  const accept =
    o.format === 'dicom'
      ? (p: string) =>
          /\.(dcm|dicom)$/i.test(p) ||
          (extname(p) === '' && basename(p).toUpperCase() !== 'DICOMDIR' && dicomMagic(p))
      : isImagePath;
  const sources = o.csv !== undefined ? csvSources(o.csv) : classFolderSources(o.inputs, accept);
  return sources.map((s) => {
    const found =
      s.group === undefined && (/\.(dcm|dicom)$/i.test(s.path) || dicomMagic(s.path))
        ? dicomGroup(s.path)
        : undefined;
    const group =
      s.group !== undefined
        ? { key: s.group, kind: 'patient' as const }
        : (found ?? { key: s.path, kind: 'file' as const });
    return { path: s.path, label: s.label, group: group.key, groupKind: group.kind };
  });
}

function vocSamples(o: PlanOptions): PlannedSample[] {
  const xmls = o.inputs.flatMap((input) => {
    const full = resolve(input);
    if (!existsSync(full)) throw badInput('no such file or folder', full);
    const root = vocDatasetRoot(full);
    return (statSync(full).isDirectory() ? walkFiles(full, (p) => /\.xml$/i.test(p)) : [full]).map((xml) => ({
      xml,
      root,
    }));
  });
  if (xmls.length === 0) throw badInput(`no VOC .xml annotation under ${o.inputs.join(', ')}`);
  return xmls.flatMap(({ xml, root }) => {
    const annotation = readVocXml(xml);
    const imagePath = locateVocImage(xml, annotation, root);
    const byFolder = o.groupBy === 'folder';
    return annotation.objects.map((box) => ({
      path: imagePath,
      label: box.name,
      group: byFolder ? basename(dirname(imagePath)) : basename(imagePath),
      groupKind: byFolder ? ('flight' as const) : ('image' as const),
      box,
    }));
  });
}

function npzSamples(o: PlanOptions): PlannedSample[] {
  return o.inputs.flatMap((input) => {
    const path = resolve(input);
    if (!existsSync(path) || !statSync(path).isFile()) throw badInput('no such file', path);
    return medmnistSplits(readNpz(readFileSync(path), path), path).flatMap((part) =>
      Array.from(part.labels.data, (label, index) => ({
        path,
        label: String(label),
        group: `${basename(path)}:${part.split}:${index}`,
        groupKind: 'given' as const,
        given: { part, index },
      })),
    );
  });
}

/** The files (or boxes, or archive entries) an import would read, each with its label and group. */
export function plannedSamples(o: PlanOptions): PlannedSample[] {
  if (o.inputs.length === 0 && o.csv === undefined)
    throw badInput(`import ${o.format} needs at least one path`);
  if (o.format === 'voc') return vocSamples(o);
  if (o.format === 'npz') return npzSamples(o);
  return fileSamples(o);
}

function classOrder(labels: string[]): string[] {
  const unique = [...new Set(labels)];
  return unique.every((l) => /^\d+$/.test(l)) ? unique.sort((a, b) => Number(a) - Number(b)) : unique.sort();
}

/** The class balance per split that the import would produce for these samples and this --split. */
export function planImageSplit(samples: PlannedSample[], splitText: string | undefined): ImageSourcePlan {
  const classes = classOrder(samples.map((s) => s.label));
  const problems: string[] = [];
  const warnings: string[] = [];
  if (classes.length < 2)
    problems.push(`found one class only ("${classes[0] ?? ''}"); a classifier needs at least two`);
  const kinds = new Set(samples.map((s) => s.groupKind));
  const groupKind: PlannedSample['groupKind'] = kinds.has('patient')
    ? 'patient'
    : kinds.has('study')
      ? 'study'
      : ([...kinds][0] ?? 'file');
  const keys = [...new Set(samples.map((s) => s.group))].sort();
  const pseudonymous = groupKind === 'patient' || groupKind === 'study';
  const digits = String(keys.length).length;
  const names = new Map(
    keys.map((k, i) => [
      k,
      pseudonymous
        ? `${groupKind}-${String(i + 1).padStart(Math.max(3, digits), '0')}`
        : groupKind === 'file'
          ? sourceName(k)
          : k,
    ]),
  );
  if (pseudonymous && kinds.has('file'))
    warnings.push('some images carry no patient or study: each of those is its own group');
  const empty = () => Object.fromEntries(classes.map((c) => [c, 0])) as Record<string, number>;
  const plan = (splits: ImageSourcePlan['splits']): ImageSourcePlan => ({
    samples,
    classes,
    groupKind,
    groups: keys.length,
    splits,
    problems,
    warnings,
  });
  let split: ImageSplitSpec | undefined;
  try {
    split = splitText !== undefined ? parseImageSplit(splitText) : undefined;
  } catch (error) {
    problems.push((error as Error).message);
    return plan(null);
  }
  split ??= groupKind === 'given' ? { kind: 'given' } : { kind: 'groups', seed: 1, testFraction: 0.3 };
  const sides: ('train' | 'test')[] = [];
  if (split.kind === 'given') {
    if (groupKind !== 'given') {
      problems.push('--split given needs a source with published splits (an .npz with train/val/test)');
      return plan(null);
    }
    // The preview counts val with train (its figures have two sides); the import keeps it apart.
    warnings.push(GIVEN_SPLIT_WARNING);
    for (const s of samples) sides.push(s.given?.part.split === 'test' ? 'test' : 'train');
  } else {
    if (split.kind === 'groups' && (groupKind === 'file' || groupKind === 'given'))
      split = { kind: 'files', seed: split.seed, testFraction: split.testFraction };
    if (split.kind === 'files' || groupKind === 'file' || groupKind === 'given')
      warnings.push(BY_FILE_WARNING);
    else if (groupKind === 'image')
      warnings.push(
        'crops are split by source image (no flight folder given: --group-by folder keeps a flight together)',
      );
    const byFile = split.kind === 'files';
    const unitOf = (i: number) => (byFile ? `sample-${i}` : (names.get(samples[i]?.group ?? '') as string));
    const sizes = new Map<string, number>();
    samples.forEach((_, i) => sizes.set(unitOf(i), (sizes.get(unitOf(i)) ?? 0) + 1));
    let test: Set<string>;
    try {
      test = chooseTestGroups(sizes, split.seed, split.testFraction);
    } catch (error) {
      problems.push((error as Error).message);
      return plan(null);
    }
    samples.forEach((_, i) => sides.push(test.has(unitOf(i)) ? 'test' : 'train'));
  }
  const splits = { train: empty(), test: empty() };
  samples.forEach((s, i) => {
    const side = splits[sides[i] ?? 'train'];
    side[s.label] = (side[s.label] ?? 0) + 1;
  });
  for (const side of ['train', 'test'] as const)
    if (Object.values(splits[side]).every((n) => n === 0))
      problems.push(`the split leaves no image in ${side}; import more groups or change the split`);
  return plan(splits);
}
