import { tfl } from '../engine/tf.js';
import { deriveSeed } from '../engine/seed.js';
import { badInput } from '../errors.js';
import { WinnersTakeAll } from './winners-take-all.js';
import { DynamicFakeQuant } from './dynamic-fake-quant.js';
import { SliceSteps } from './slice-steps.js';

export interface EcgResnetOptions {
  /** Samples per beat window (187 for the Kachuee et al. MIT-BIH windows). */
  inputLength?: number;
  classes?: number;
  seed: number;
  /** Winners-take-all after each block's first convolution and after its pooling: the fraction of activations
   * kept (DASNet); unset: none. */
  winnersTakeAll?: number;
  /**
   * Values after the beat window in each sample that are context features (the beat's R-R intervals): the
   * network crops them off the waveform, passes them through a small dense layer and joins them to the
   * waveform's features before the classifier. The sample is then [inputLength + contextFeatures, 1].
   */
  contextFeatures?: number;
  /**
   * How many of the first context features the network leaves unread (they stay in the sample, for the
   * record viewer and other architectures): ecg-resnet-rr skips the R-R intervals in seconds, which say more
   * about a patient's heart rate than about the beat, and reads only the ratios to the record's and the local
   * rhythm.
   */
  contextSkip?: number;
  /** Activations rounded to 8 bits after every layer that feeds a multiplication (fully quantized training). */
  quantizeActivations?: boolean;
}

const FILTERS = 32;
const KERNEL = 5;
const BLOCKS = 5;
const POOL = 5;
const POOL_STRIDE = 2;
/** Units of the dense layer that reads the context features (R-R intervals). */
const CONTEXT_UNITS = 16;

/**
 * The residual 1-D CNN of Kachuee et al. 2018 ("ECG heartbeat classification: a deep transferable
 * representation"), the same network as the PyTorch peer in bench/ (same layers, same parameter count):
 *   Conv1D(32, 5, same)
 *   5 x [Conv1D(32, 5, same) -> ReLU -> Conv1D(32, 5, same) -> + skip -> ReLU -> MaxPool1D(5, stride 2)]
 *   Flatten -> Dense(32) ReLU -> Dense(32) ReLU -> Dense(classes) softmax
 * Input is [inputLength, 1], channels-last. Layers have fixed names and every initializer a seed derived from
 * `seed` and the layer's name, so two builds with the same seed have identical weights under identical names.
 */
export function buildEcgResnet(options: EcgResnetOptions): tfl.LayersModel {
  const inputLength = options.inputLength ?? 187;
  const classes = options.classes ?? 5;
  if (!Number.isInteger(classes) || classes < 2)
    throw badInput(`ecg-resnet needs at least 2 classes, got ${classes}`);
  let length = inputLength;
  for (let block = 0; block < BLOCKS; block++) length = Math.floor((length - POOL) / POOL_STRIDE) + 1;
  if (!Number.isInteger(inputLength) || length < 1) {
    throw badInput(`ecg-resnet needs beat windows of at least 125 samples, got ${inputLength}`);
  }
  const seedFor = (layer: string): number => deriveSeed(options.seed, 'ecg-resnet', layer);
  const kernelInitializer = (layer: string): ReturnType<typeof tfl.initializers.glorotUniform> =>
    tfl.initializers.glorotUniform({ seed: seedFor(layer) });
  const conv = (name: string, activation?: 'relu'): tfl.layers.Layer =>
    tfl.layers.conv1d({
      name,
      filters: FILTERS,
      kernelSize: KERNEL,
      padding: 'same',
      kernelInitializer: kernelInitializer(name),
      biasInitializer: 'zeros',
      ...(activation !== undefined ? { activation } : {}),
    });
  const dense = (name: string, units: number, activation: 'relu' | 'softmax'): tfl.layers.Layer =>
    tfl.layers.dense({
      name,
      units,
      activation,
      kernelInitializer: kernelInitializer(name),
      biasInitializer: 'zeros',
    });
  let quantizers = 0;
  const apply = (
    layer: tfl.layers.Layer,
    x: tfl.SymbolicTensor | tfl.SymbolicTensor[],
  ): tfl.SymbolicTensor => {
    const out = layer.apply(x) as tfl.SymbolicTensor;
    if (options.quantizeActivations !== true) return out;
    return new DynamicFakeQuant({ name: `q8_${++quantizers}_${layer.name}` }).apply(
      out,
    ) as tfl.SymbolicTensor;
  };

  const context = options.contextFeatures ?? 0;
  if (!Number.isInteger(context) || context < 0)
    throw badInput(`ecg-resnet context features must be a whole number, got ${context}`);
  // One tensor per sample everywhere in Attest (validation, attacks, compression, export): the context rides at
  // the end of the beat and is cut apart here, by slicing layers (exported to ONNX as Slice).
  const input = tfl.input({ shape: [inputLength + context, 1], name: 'beat' });
  const waveform =
    context > 0
      ? (new SliceSteps({ begin: 0, size: inputLength, name: 'waveform' }).apply(input) as tfl.SymbolicTensor)
      : input;
  let x = apply(conv('conv_in'), waveform);
  for (let block = 1; block <= BLOCKS; block++) {
    let y = apply(conv(`block${block}_conv1`, 'relu'), x);
    if (options.winnersTakeAll !== undefined)
      y = apply(new WinnersTakeAll({ keep: options.winnersTakeAll, name: `block${block}_conv1_wta` }), y);
    const z = apply(conv(`block${block}_conv2`), y);
    const sum = apply(tfl.layers.add({ name: `block${block}_add` }), [z, x]);
    const activated = apply(tfl.layers.activation({ activation: 'relu', name: `block${block}_relu` }), sum);
    x = apply(
      tfl.layers.maxPooling1d({
        poolSize: POOL,
        strides: POOL_STRIDE,
        padding: 'valid',
        name: `block${block}_pool`,
      }),
      activated,
    );
    // After the pooling, which would otherwise fill the zeros in again: the next block's inputs.
    if (options.winnersTakeAll !== undefined)
      x = apply(new WinnersTakeAll({ keep: options.winnersTakeAll, name: `block${block}_wta` }), x);
  }
  x = apply(tfl.layers.flatten({ name: 'flatten' }), x);
  if (context > 0) {
    const skip = options.contextSkip ?? 0;
    if (!Number.isInteger(skip) || skip < 0 || skip >= context)
      throw badInput(`ecg-resnet can skip 0 to ${context - 1} context features, got ${skip}`);
    const tail = new SliceSteps({
      begin: inputLength + skip,
      size: context - skip,
      name: 'rr_context',
    }).apply(input) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten({ name: 'rr_flatten' }).apply(tail) as tfl.SymbolicTensor;
    const rr = apply(dense('rr_dense', CONTEXT_UNITS, 'relu'), flat);
    x = tfl.layers.concatenate({ name: 'join_rr', axis: -1 }).apply([x, rr]) as tfl.SymbolicTensor;
  }
  x = apply(dense('dense1', FILTERS, 'relu'), x);
  x = apply(dense('dense2', FILTERS, 'relu'), x);
  // The probabilities themselves stay in float: they feed no multiplication.
  const output = dense('output', classes, 'softmax').apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'ecg_resnet' });
}

/** Parameters of the network as PyTorch counts them (weights and biases), for checking the two match. */
export function ecgResnetParamCount(inputLength = 187, classes = 5): number {
  let length = inputLength;
  for (let block = 0; block < BLOCKS; block++) length = Math.floor((length - POOL) / POOL_STRIDE) + 1;
  const convIn = FILTERS * 1 * KERNEL + FILTERS;
  const convs = 2 * BLOCKS * (FILTERS * FILTERS * KERNEL + FILTERS);
  const dense =
    length * FILTERS * FILTERS + FILTERS + FILTERS * FILTERS + FILTERS + FILTERS * classes + classes;
  return convIn + convs + dense;
}
