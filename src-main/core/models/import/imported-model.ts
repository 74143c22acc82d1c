import type { tfl } from '../../engine/tf.js';

/** A model read from a file made outside Attest, before its input contract is settled and it is stored. */
export interface ImportedModel {
  model: tfl.LayersModel;
  /** 'keras', 'tfjs-layers' (later 'onnx'). */
  framework: string;
  /** The version the file says made it (keras_version, model.json generatedBy), or null when it says none. */
  frameworkVersion: string | null;
  /** How the file was read, e.g. 'keras2-hdf5', 'keras3-archive', 'tfjs-layers-folder'. */
  format: string;
}

/** One layer's weights as read from the file, in the order the file lists them. */
export interface LayerWeights {
  layer: string;
  weights: { name: string; shape: number[]; values: Float32Array }[];
}
