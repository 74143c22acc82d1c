import { tfl } from '../../engine/tf.js';
import { badInput } from '../../errors.js';
import { INPUT_PRESETS, type InputContract, type InputLayout } from '../input-contract.js';
import { imageContractOf } from '../image-contract.js';

export interface ContractOptions {
  classes?: string[];
  layout?: InputLayout;
  preset?: string;
  valueRange?: [number, number];
  /** The file's own layout when the reader already made the model read channels last (ONNX): recorded only. */
  sourceLayout?: InputLayout;
  /** What the output gives, when the file says it (an ONNX graph ends in Softmax or not). */
  output?: 'probabilities' | 'logits';
  /** An image model's intensity normalization (unit, imagenet, symmetric, per-image, MEAN/STD). */
  normalize?: string;
}

/** What the output layer gives: softmax probabilities, or raw scores (logits, a linear last layer). */
function outputKind(model: tfl.LayersModel, fileName: string): 'probabilities' | 'logits' {
  const layer = model.outputs[0]?.sourceLayer;
  if (layer === undefined) throw badInput('the model has no output', fileName);
  const className = layer.getClassName();
  if (className === 'Softmax') return 'probabilities';
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  if (activation === 'softmax') return 'probabilities';
  if (activation === undefined || activation === 'linear') return 'logits';
  throw badInput(
    `the output layer ${layer.name} ends in a ${String(activation)} activation: Attest classifies each sample into exactly one class and needs a softmax or a linear (logits) output`,
    fileName,
  );
}

/** The per-sample dims of the model's single input, every one fixed. */
function sampleDims(model: tfl.LayersModel, fileName: string): number[] {
  if (model.inputs.length !== 1)
    throw badInput(
      `the model has ${model.inputs.length} inputs (${model.inputNames.join(', ')}); Attest validates models with one input`,
      fileName,
    );
  if (model.outputs.length !== 1)
    throw badInput(
      `the model has ${model.outputs.length} outputs (${model.outputNames.join(', ')}); Attest validates classifiers with one output`,
      fileName,
    );
  const shape = model.inputs[0]?.shape ?? [];
  if (shape[0] !== null && shape[0] !== undefined)
    throw badInput(
      `the model's batch dimension is fixed at ${shape[0]}; it must be left open (None)`,
      fileName,
    );
  const dims = shape.slice(1);
  const dynamic = dims.findIndex((dim) => dim === null || dim === undefined || dim < 1);
  if (dynamic !== -1)
    throw badInput(
      `the model's input [batch, ${dims.map((d) => d ?? 'None').join(', ')}] has a dynamic dimension ${dynamic + 1} besides the batch: Attest needs a fixed sample shape (save the model with a fixed input shape)`,
      fileName,
    );
  return dims as number[];
}

function checkClasses(classes: string[], outputs: number, fileName: string): void {
  if (classes.length !== outputs)
    throw badInput(
      `--classes names ${classes.length} classes (${classes.join(', ')}) but the model outputs ${outputs} scores`,
      fileName,
    );
  if (new Set(classes).size !== classes.length) throw badInput('--classes lists a class twice', fileName);
}

/**
 * Settles what the imported model expects and gives, and makes it a model Attest can run like its own: one
 * channels-last input (a transpose in front of a channels-first model) and probabilities out (a softmax after
 * a logits model). Returns the model to store (the given one when nothing was added) and its contract.
 */
export function settleInputContract(
  imported: tfl.LayersModel,
  options: ContractOptions,
  fileName: string,
): { model: tfl.LayersModel; contract: InputContract } {
  const dims = sampleDims(imported, fileName);
  const outputShape = imported.outputs[0]?.shape ?? [];
  const outputs = outputShape[1];
  if (outputShape.length !== 2 || typeof outputs !== 'number' || outputs < 2)
    throw badInput(
      `the model's output has shape [${outputShape.map((d) => d ?? 'None').join(', ')}]; a classifier gives [batch, classes] with at least 2 classes`,
      fileName,
    );
  const classes = options.classes ?? Array.from({ length: outputs }, (_, k) => `class ${k}`);
  checkClasses(classes, outputs, fileName);
  const output = options.output ?? outputKind(imported, fileName);
  const layout = options.layout ?? 'channels-last';
  if (layout === 'channels-first' && dims.length < 2)
    throw badInput(
      '--layout channels-first needs an input with channels and at least one more axis',
      fileName,
    );
  // Attest feeds channels last: a channels-first model reads [C, ...] so the channel axis is moved to the front.
  const shape = layout === 'channels-first' ? [...dims.slice(1), dims[0] as number] : dims;
  let model = imported;
  if (layout === 'channels-first' || output === 'logits') {
    const input = tfl.input({ shape, name: 'attest_input' });
    const moved =
      layout === 'channels-first'
        ? (tfl.layers
            .permute({
              dims: [shape.length, ...shape.slice(0, -1).map((_, k) => k + 1)],
              name: 'attest_channels_first',
            })
            .apply(input) as tfl.SymbolicTensor)
        : input;
    const scores = imported.apply(moved) as tfl.SymbolicTensor;
    const probabilities =
      output === 'logits'
        ? (tfl.layers.softmax({ name: 'attest_softmax' }).apply(scores) as tfl.SymbolicTensor)
        : scores;
    model = tfl.model({ inputs: input, outputs: probabilities, name: `${imported.name}_attest` });
  }
  if (options.preset !== undefined && !(options.preset in INPUT_PRESETS))
    throw badInput(`unknown preset "${options.preset}"; available: ${Object.keys(INPUT_PRESETS).join(', ')}`);
  if (options.normalize !== undefined && options.preset !== undefined)
    throw badInput(
      '--normalize and --preset both describe the input: give --normalize for an image model, --preset for a beat model',
    );
  // Size and channels from the model's own input shape, the normalization from its maker.
  const image =
    options.normalize !== undefined ? imageContractOf(shape, options.normalize, fileName) : undefined;
  const valueRange =
    options.valueRange ??
    (options.preset === 'kachuee2018' ||
    options.preset === 'image-unit' ||
    image?.normalization.kind === 'unit'
      ? [0, 1]
      : null);
  return {
    model,
    contract: {
      shape,
      sourceLayout: options.sourceLayout ?? layout,
      valueRange,
      preset: options.preset ?? null,
      classes,
      output,
      ...(image !== undefined ? { image } : {}),
    },
  };
}
