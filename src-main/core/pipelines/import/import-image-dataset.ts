import { basename } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import { badInput } from '../../errors.js';
import { SPLIT_CODES } from '../../data/sample-dataset.js';
import type { JobContext } from '../../jobs/job-context.js';
import { sourceName } from '../../data/images/sample-sources.js';
import { checkImageSize } from '../../data/images/preprocess.js';
import { BY_FILE_WARNING, chooseTestGroups, GIVEN_SPLIT_WARNING } from '../../data/images/image-splits.js';
import {
  storeImageDataset,
  type ImageDatasetFacts,
  type ImageDatasetResult,
  type ImageSamples,
} from '../../data/images/image-dataset-store.js';
import { PixelSpill } from '../../data/images/pixel-spill.js';
import {
  collectFiles,
  collectNpz,
  collectVoc,
  FitSpec,
  type Collection,
} from '../../data/images/collect-images.js';
import {
  IMAGE_IMPORTER_VERSION,
  type ImageImportFormat,
  type ImportImagesOptions,
} from '../../data/images/image-import-options.js';

export { IMAGE_IMPORTER_VERSION, type ImageImportFormat, type ImportImagesOptions };

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
  // The fitted samples go to a file in the artifact store as they are read, removed when the import ends.
  const spill = new PixelSpill(workspace.artifacts.dir);
  try {
    const c: Collection = { items: [], spill, sources: [], skipped: [], warnings: [] };
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
      c.warnings.push(GIVEN_SPLIT_WARNING);
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
      pixels: { spill: c.spill, indices: c.items.map((x) => x.sample) },
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
  } finally {
    spill.remove();
  }
}
