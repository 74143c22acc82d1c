// The one place that imports the TF.js packages: the rest of the code reaches TF.js through this barrel, so
// that backend choice and extra kernels stay in core/engine.
export * as tf from '@tensorflow/tfjs-core';
export * as tfl from '@tensorflow/tfjs-layers';
