import { badInput } from '../errors.js';
import { ARCHITECTURES, isOffered } from './registry.js';

/**
 * The architecture `attest train` uses when none is named, and the one the training form preselects. A user who
 * does not know what a residual block is should still get the network that suits the data: the choice depends
 * only on what the dataset holds (its input kind and, for images, size and channels).
 */

/** One preference: the first row whose kind and size fit, and whose architecture is offered, wins. */
export interface PreferredArchitecture {
  inputKind: string;
  arch: string;
  /** Smallest and largest image side (height and width) it suits; unset: any. */
  minSide?: number;
  maxSide?: number;
  /** Image channels it suits; unset: any. */
  channels?: number;
  /** Why it is the recommendation, in a user's words. */
  why: string;
}

/**
 * The preferred defaults, best first. Adjust here when an architecture is added to the registry (an image ResNet
 * with batch norm, ECG variants with R-R context): a row naming an architecture that is not registered, or not
 * offered, is passed over, so the next row or the registry's first offered architecture for the kind answers.
 */
export const PREFERRED_ARCHITECTURES: readonly PreferredArchitecture[] = [
  {
    inputKind: 'ecg-beat',
    arch: 'ecg-resnet',
    why: 'single-lead heartbeat windows: the residual 1-D CNN of Kachuee et al. (2018)',
  },
  {
    inputKind: 'ecg-beat-rr',
    arch: 'ecg-resnet-rr',
    why: 'heartbeat windows with their R-R context: ecg-resnet with an R-R branch (de Chazal 2004)',
  },
  {
    inputKind: 'image',
    arch: 'resnet-small',
    minSide: 16,
    maxSide: 512,
    why: 'images of 16 to 512 px: a small ResNet with batch norm, the best of the image models on MedMNIST here and quick on a CPU',
  },
  {
    inputKind: 'image',
    arch: 'small-cnn',
    minSide: 16,
    maxSide: 512,
    why: 'images of 16 to 512 px: the small 2-D CNN trains from scratch on a CPU',
  },
  {
    inputKind: 'detection-frame',
    arch: 'centernet-mobile',
    why: 'frames with boxes: the CenterNet-style detector (trained on the Object detection page, or by detect train)',
  },
];

export interface Recommendation {
  arch: string;
  /** One sentence: which data it is for and why. */
  reason: string;
}

/** What a dataset holds, as far as the choice needs it. */
export interface DatasetInput {
  inputKind: string;
  /** Per-sample input shape; for images [height, width, channels]. */
  sampleShape?: number[];
}

export function recommendArchitecture(
  input: DatasetInput,
  preferences: readonly PreferredArchitecture[] = PREFERRED_ARCHITECTURES,
): Recommendation {
  const [height, width, channels] = input.sampleShape ?? [];
  const fits = (p: PreferredArchitecture): boolean => {
    if (p.inputKind !== input.inputKind) return false;
    const sides = [height, width].filter((s): s is number => s !== undefined);
    const { minSide = 0, maxSide = Infinity } = p;
    if (sides.some((s) => s < minSide || s > maxSide)) return false;
    if (p.channels !== undefined && channels !== undefined && channels !== p.channels) return false;
    return true;
  };
  for (const preferred of preferences) {
    const architecture = ARCHITECTURES[preferred.arch];
    if (
      fits(preferred) &&
      architecture !== undefined &&
      isOffered(architecture) &&
      architecture.inputKinds.includes(input.inputKind)
    )
      return { arch: preferred.arch, reason: preferred.why };
  }
  const first = Object.entries(ARCHITECTURES).find(
    ([, a]) => isOffered(a) && a.inputKinds.includes(input.inputKind),
  );
  if (first === undefined)
    throw badInput(`no architecture Attest offers reads ${input.inputKind} data; name one with --arch`);
  return { arch: first[0], reason: `the first architecture offered for ${input.inputKind} data` };
}

/** The dataset kinds of the store and the input kind their samples have. */
const INPUT_KIND_OF: Record<string, string> = {
  'ecg-beats': 'ecg-beat',
  images: 'image',
  'detection-frames': 'detection-frame',
};

/**
 * What a stored dataset holds, from its row alone (no sample is read): the kind, and an image dataset's size
 * and channels from the preprocessing its summary records.
 */
export function datasetInputOf(row: {
  kind: string;
  summary: Record<string, unknown>;
  params?: Record<string, unknown>;
}): DatasetInput {
  // Beats imported with their R-R context (--rr-context) are read by the architectures with an R-R branch.
  if (row.kind === 'ecg-beats' && row.params?.['preset'] === 'record-normalized-rr')
    return { inputKind: 'ecg-beat-rr' };
  const inputKind = INPUT_KIND_OF[row.kind] ?? row.kind;
  const p = row.summary['preprocessing'] as
    { height?: unknown; width?: unknown; channels?: unknown } | undefined;
  if (inputKind === 'image' && p !== undefined) {
    const shape = [p.height, p.width, p.channels];
    if (shape.every((v) => typeof v === 'number')) return { inputKind, sampleShape: shape as number[] };
  }
  return { inputKind };
}
