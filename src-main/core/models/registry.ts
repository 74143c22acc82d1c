import type { tfl } from '../engine/tf.js';
import { buildEcgResnet } from './ecg-resnet.js';
import { RR_FEATURE_COUNT, RR_SECONDS_FEATURES } from '../data/ecg/rr-features.js';
import { IMAGE_ARCHITECTURES } from './image-architectures.js';
import { buildCenternetMobile } from './centernet-model.js';

export interface Architecture {
  description: string;
  /** The dataset input kinds it reads: 'ecg-beat' is one standardized single-lead beat window [length, 1]. */
  inputKinds: string[];
  build(options: { sampleShape: number[]; classes: number; seed: number }): tfl.LayersModel;
  /**
   * false: kept for the models already trained with it and for those who name it, but not offered (left out of
   * the help, the training form and the recommendation) because it does not learn from scratch on its kind of
   * data (test/models/architectures-learn.test.ts). Unset: offered.
   */
  offered?: false;
  /** Why it is not offered, shown when someone names it anyway. */
  notOfferedBecause?: string;
}

/** Whether Attest offers an architecture to users (see Architecture.offered). */
export function isOffered(architecture: Architecture): boolean {
  return architecture.offered !== false;
}

/** The names of the architectures offered for an input kind (all kinds when unset), in registry order. */
export function offeredArchitectures(inputKind?: string): string[] {
  return Object.entries(ARCHITECTURES)
    .filter(([, a]) => isOffered(a) && (inputKind === undefined || a.inputKinds.includes(inputKind)))
    .map(([name]) => name);
}

/** The architectures `attest train --arch NAME` can build. */
export const ARCHITECTURES: Record<string, Architecture> = {
  ...IMAGE_ARCHITECTURES,
  'ecg-resnet': {
    description:
      'Residual 1-D CNN for single-lead heartbeat classification (Kachuee et al. 2018), ~55k parameters',
    inputKinds: ['ecg-beat'],
    build: ({ sampleShape, classes, seed }) =>
      buildEcgResnet({ inputLength: sampleShape[0] ?? 187, classes, seed }),
  },
  'ecg-resnet-q8': {
    description:
      'ecg-resnet with every activation rounded to 8 bits (dynamic range): the network of fully quantized 8-bit training',
    inputKinds: ['ecg-beat'],
    build: ({ sampleShape, classes, seed }) =>
      buildEcgResnet({ inputLength: sampleShape[0] ?? 187, classes, seed, quantizeActivations: true }),
  },
  'ecg-resnet-wta': {
    description:
      'ecg-resnet with winners-take-all activation sparsity after each block (DASNet): 25% of activations kept',
    inputKinds: ['ecg-beat'],
    build: ({ sampleShape, classes, seed }) =>
      buildEcgResnet({ inputLength: sampleShape[0] ?? 187, classes, seed, winnersTakeAll: 0.25 }),
  },
  'ecg-resnet-rr': {
    description:
      'ecg-resnet reading each beat with its R-R context (previous, next and local mean interval over the record mean, prematurity: de Chazal 2004), for beats imported with their R-R context (preset record-normalized-rr); better on patients not seen in training',
    inputKinds: ['ecg-beat-rr'],
    build: ({ sampleShape, classes, seed }) =>
      buildEcgResnet({
        inputLength: (sampleShape[0] ?? 187 + RR_FEATURE_COUNT) - RR_FEATURE_COUNT,
        contextFeatures: RR_FEATURE_COUNT,
        contextSkip: RR_SECONDS_FEATURES,
        classes,
        seed,
      }),
  },
  'centernet-mobile': {
    description:
      'CenterNet-style object detector (class heatmaps, offset and size at stride 4) on a MobileNet-style backbone, ~96k parameters; trained on detection frames (the Object detection page)',
    inputKinds: ['detection-frame'],
    build: ({ sampleShape, classes, seed }) =>
      buildCenternetMobile({ height: sampleShape[0] ?? 128, width: sampleShape[1] ?? 128, classes, seed }),
  },
};
