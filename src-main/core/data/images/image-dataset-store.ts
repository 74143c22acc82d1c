import { dataSufficiencyWarnings, IMAGE_GROUPS } from '../data-sufficiency.js';
import type { Workspace } from '../../store/workspace.js';
import { type DatasetGroup, type SourceFileRow } from '../../store/datasets.js';
import { tensorBundleStream } from '../../store/tensor-bundle.js';
import type { PixelSpill } from './pixel-spill.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { SPLIT_CODES } from '../sample-dataset.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { channelStatisticsFromSums, type ImagePreprocessing } from './preprocess.js';
import { persistDataset } from '../../persist/persist-dataset.js';

export const IMAGE_DATASET_KIND = 'images';

/** A fitted image in [0, 1] as the bundle stores it: 16-bit fractions. */
export function storedPixels(fitted: Float32Array): Uint16Array {
  // A plain loop: a mapping Uint16Array.from goes through the iterator protocol, ~10x slower per pixel.
  const out = new Uint16Array(fitted.length);
  for (let i = 0; i < fitted.length; i++)
    out[i] = Math.round(Math.min(1, Math.max(0, fitted[i] as number)) * 65535);
  return out;
}

/**
 * Per-channel mean and standard deviation of stored samples, summed in the order (and at the float32 precision)
 * of one joined array, without making that copy of the whole training split.
 */
function storedStatistics(
  samples: Iterable<Uint16Array>,
  channels: number,
): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  let count = 0;
  for (const p of samples) {
    for (let k = 0; k < p.length; k++) {
      const ch = (count + k) % channels;
      const v = Math.fround((p[k] as number) / 65535);
      sum[ch] = (sum[ch] as number) + v;
      squares[ch] = (squares[ch] as number) + v ** 2;
    }
    count += p.length;
  }
  return channelStatisticsFromSums(sum, squares, count / channels);
}

/** Samples ready to store: fitted pixels as 16-bit fractions of [0, 1], one label, group and split each. */
/** Samples spilled to disk during an import, in the order of `indices` (see pixel-spill.ts). */
export interface SpilledSamples {
  spill: PixelSpill;
  indices: number[];
}

export interface ImageSamples {
  pixels: Uint16Array[] | SpilledSamples;
  labels: number[];
  groups: number[];
  splits: number[];
  /** Per-sample facts worth keeping (DICOM laterality and view, VOC box), by sample index. */
  attributes: Record<string, string>[];
}

export interface ImageDatasetFacts {
  name: string;
  importer: string;
  params: Record<string, unknown>;
  classes: string[];
  /** Group names as stored and shown: pseudonyms where the group is a patient. */
  groupNames: string[];
  groupKind: 'patient' | 'study' | 'flight' | 'image' | 'file' | 'given';
  /** Real identifiers behind pseudonyms, kept in the bundle only (shown when the user asks). */
  groupIdentifiers?: Record<string, string>;
  preprocessing: Omit<ImagePreprocessing, 'normalization'> & {
    normalization: 'dataset' | 'per-image' | 'unit';
  };
  sources: SourceFileRow[];
}

export interface ImageDatasetResult {
  datasetId: string;
  name: string;
  images: number;
  groups: number;
  groupKind: string;
  splits: Record<string, { total: number; classes: Record<string, number>; groups: number }>;
  skipped: { file: string; reason: string }[];
  warnings: string[];
  /** Split problems with their remedy (a class on one side only, too few groups): see data-sufficiency.ts. */
  dataSufficiency: string[];
  preprocessing: ImagePreprocessing;
  dataSha256: string;
}

/**
 * Stores an image dataset: the bundle (pixels as 16-bit fractions of [0, 1], labels, group, split) in the
 * artifact store, the dataset row with every hashed source file and per-group counts, and the audit event, in
 * one transaction; the bundle file is removed again if that fails.
 */
export function storeImageDataset(
  workspace: Workspace,
  facts: ImageDatasetFacts,
  samples: ImageSamples,
  warnings: string[],
  skipped: { file: string; reason: string }[],
  context: JobContext,
): ImageDatasetResult {
  const name = facts.name.trim();
  if (name === '' || name.length > 200) throw badInput('--name must be 1 to 200 characters');
  const n = samples.labels.length;
  if (n === 0) throw badInput('no image is left to import');
  const { height, width, channels } = facts.preprocessing;
  const size = height * width * channels;
  // The samples are written to the bundle chunk by chunk, from memory or from the import's spill file: joining
  // them first would hold a second (and encoding a third) copy of the whole dataset in memory.
  const given = samples.pixels;
  const spilled = Array.isArray(given) ? undefined : given;
  if (spilled !== undefined) {
    if (spilled.spill.sampleSize !== size || spilled.indices.length !== n)
      throw badInput(
        `the spilled images hold ${spilled.spill.sampleSize} values each where ${size} were expected`,
      );
  } else
    (given as Uint16Array[]).forEach((p, i) => {
      if (p.length !== size)
        throw badInput(`image ${i + 1} has ${p.length} values where ${size} were expected`);
    });
  const split = Uint8Array.from(samples.splits);
  /** The samples in dataset order, only those of split code `only` when given. */
  function* samplesOf(only?: number): Generator<Uint16Array> {
    if (spilled === undefined) {
      for (const [i, p] of (given as Uint16Array[]).entries())
        if (only === undefined || split[i] === only) yield p;
      return;
    }
    yield* spilled.spill.chunks(spilled.indices.filter((_, i) => only === undefined || split[i] === only));
  }
  for (const side of ['train', 'test'] as const)
    if (!split.includes(SPLIT_CODES[side]))
      throw badInput(`the split leaves no image in ${side}; import more groups or change --split`);
  // Dataset normalization: the statistics of the training split only, as decoded and fitted (from the stored values).
  let normalization: ImagePreprocessing['normalization'] = {
    kind: facts.preprocessing.normalization,
  } as ImagePreprocessing['normalization'];
  if (facts.preprocessing.normalization === 'dataset') {
    normalization = { kind: 'dataset', ...storedStatistics(samplesOf(SPLIT_CODES.train), channels) };
  }
  const preprocessing: ImagePreprocessing = { ...facts.preprocessing, normalization };
  const classes = facts.classes;
  // Members of each group in one pass: MedMNIST-style imports have one group per image (tens of thousands), where
  // scanning every sample per group took minutes.
  const membersOf: number[][] = facts.groupNames.map(() => []);
  samples.groups.forEach((g, i) => membersOf[g]?.push(i));
  const groupRows: DatasetGroup[] = facts.groupNames
    .map((g, gi) => {
      const members = membersOf[gi] ?? [];
      const sides = new Set(members.map((i) => split[i]));
      const counts = classes.map(() => 0);
      for (const i of members) {
        const k = samples.labels[i] as number;
        counts[k] = (counts[k] ?? 0) + 1;
      }
      return {
        name: g,
        split:
          sides.size > 1
            ? 'both'
            : sides.has(SPLIT_CODES.test)
              ? 'test'
              : sides.has(SPLIT_CODES.val)
                ? 'val'
                : 'train',
        samples: members.length,
        classCounts: Object.fromEntries(classes.map((c, k) => [c, counts[k] ?? 0])),
      };
    })
    .filter((g) => g.samples > 0);
  const splits: ImageDatasetResult['splits'] = {};
  // A published val split (MedMNIST) is listed on its own; splits made here have none.
  const sides = split.includes(SPLIT_CODES.val)
    ? (['train', 'val', 'test'] as const)
    : (['train', 'test'] as const);
  for (const side of sides) {
    const code = SPLIT_CODES[side];
    const members = samples.labels.map((_, i) => i).filter((i) => split[i] === code);
    splits[side] = {
      total: members.length,
      classes: Object.fromEntries(
        classes.map((c, k) => [c, members.filter((i) => samples.labels[i] === k).length]),
      ),
      groups: new Set(members.map((i) => samples.groups[i])).size,
    };
  }
  // Given splits (MedMNIST's) have no groups to move: only the checks that still mean something there.
  const dataSufficiency = dataSufficiencyWarnings(
    { train: splits['train'], test: splits['test'] },
    IMAGE_GROUPS(facts.groupKind),
  );
  for (const warning of dataSufficiency) context.log(`warning: ${warning}`);
  const bundle = tensorBundleStream(
    {
      pixels:
        spilled !== undefined
          ? { streamed: true, kind: 'uint16', length: n * size, chunks: () => samplesOf() }
          : (given as Uint16Array[]),
      labels: Uint8Array.from(samples.labels),
      group: Int32Array.from(samples.groups),
      split,
    },
    {
      kind: IMAGE_DATASET_KIND,
      classes,
      groups: facts.groupNames,
      groupKind: facts.groupKind,
      preprocessing,
      attributes: samples.attributes,
      ...(facts.groupIdentifiers !== undefined ? { groupIdentifiers: facts.groupIdentifiers } : {}),
    },
  );
  throwIfCancelled(context.signal);
  const datasetId = newId('ds');
  const stored = workspace.artifacts.putParts(bundle);
  const wasStored = stored.existed;
  const summary = {
    images: n,
    groups: groupRows.length,
    groupKind: facts.groupKind,
    splits,
    classes,
    preprocessing,
    warnings,
    dataSufficiency,
    skipped,
  };
  persistDataset(
    workspace,
    { sha256: stored.sha256, createdNow: !wasStored },
    {
      id: datasetId,
      name,
      kind: IMAGE_DATASET_KIND,
      createdAt: utcNow(),
      importerVersion: facts.importer,
      params: facts.params,
      summary,
      dataSha256: stored.sha256,
    },
    facts.sources,
    groupRows,
    {
      images: n,
      groups: groupRows.length,
      skipped: skipped.length,
      splits: Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, v.total])),
    },
  );
  context.progress(1, 'imported');
  return {
    datasetId,
    name,
    images: n,
    groups: groupRows.length,
    groupKind: facts.groupKind,
    splits,
    skipped,
    warnings,
    dataSufficiency,
    preprocessing,
    dataSha256: stored.sha256,
  };
}
