import type { tfl } from '../engine/tf.js';
import { buildEcgResnet } from './ecg-resnet.js';

export interface Architecture {
  description: string;
  /** What the model reads: 'ecg-beat' is one standardised single-lead beat window, shape [inputLength, 1]. */
  inputKind: 'ecg-beat';
  build(options: { inputLength: number; classes: number; seed: number }): tfl.LayersModel;
}

/** The architectures `attest train --arch NAME` can build. */
export const ARCHITECTURES: Record<string, Architecture> = {
  'ecg-resnet': {
    description:
      'Residual 1-D CNN for single-lead heartbeat classification (Kachuee et al. 2018), ~55k parameters',
    inputKind: 'ecg-beat',
    build: (options) => buildEcgResnet(options),
  },
};
