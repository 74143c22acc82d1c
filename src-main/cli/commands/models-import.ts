import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { badInput } from '../../core/errors.js';
import { checkPresetName, type InputLayout } from '../../core/models/input-contract.js';
import { importModelFile } from '../../core/pipelines/import/import-model-file.js';

function parseValueRange(text: string): [number, number] {
  const parts = text.split(',').map((part) => Number(part.trim()));
  const [low, high] = parts;
  if (
    parts.length !== 2 ||
    low === undefined ||
    high === undefined ||
    !(low < high) ||
    !Number.isFinite(high - low)
  )
    throw badInput(`--value-range must be LOW,HIGH with LOW < HIGH, got "${text}"`);
  return [low, high];
}

export const modelsImportCommand: Command = {
  path: ['models', 'import'],
  usage:
    'models import FILE|DIR --name NAME [--classes A,B,...] [--layout channels-first|channels-last] [--preset NAME | --normalize unit|imagenet|symmetric|per-image|MEAN/STD] [--value-range LOW,HIGH] [--json]',
  summary:
    'Import a model made elsewhere (Keras 2 .h5, Keras 3 .keras, TF.js layers folder or zip, ONNX) with its input contract; stored like a trained model (an ONNX graph that cannot be converted to TF.js is kept runtime-only: forward-only suites)',
  async run(context) {
    const { options, out } = context;
    const name = options.requiredString('name');
    const classesText = options.string('classes');
    const layout = options.string('layout');
    const preset = options.string('preset');
    const valueRange = options.string('value-range');
    const normalize = options.string('normalize');
    options.rejectUnknown();
    if (options.positionals.length !== 1) throw badInput('models import needs exactly one file or folder');
    if (layout !== undefined && layout !== 'channels-first' && layout !== 'channels-last')
      throw badInput(`--layout must be channels-first or channels-last, got "${layout}"`);
    const classes = classesText?.split(',').map((c) => c.trim());
    if (classes?.some((c) => c === '') === true) throw badInput('--classes has an empty class name');
    if (preset !== undefined) checkPresetName(preset);
    await initEngine();
    const result = await importModelFile(context.workspace(), options.positionals[0] as string, {
      name,
      ...(classes !== undefined ? { classes } : {}),
      ...(layout !== undefined ? { layout: layout as InputLayout } : {}),
      ...(preset !== undefined ? { preset } : {}),
      ...(valueRange !== undefined ? { valueRange: parseValueRange(valueRange) } : {}),
      ...(normalize !== undefined ? { normalize } : {}),
    });
    out.result(
      result,
      () =>
        `imported ${result.fileName} (${result.framework}${result.frameworkVersion !== null ? ` ${result.frameworkVersion}` : ''}) as model ${result.modelId}: ` +
        `input ${result.input.shape.join('x')} (${result.input.layout}), ` +
        (result.input.image !== undefined
          ? `normalization ${result.input.image.normalize}, `
          : `preset ${result.input.preset ?? 'not given'}, `) +
        `classes ${result.classes.join(', ')}, ${result.output}${result.softmaxAppended ? ' (softmax appended)' : ''}, ` +
        `${result.params} parameters, SHA-256 ${result.sha256}` +
        (result.runtimeOnly !== undefined
          ? `\nnot converted to TF.js (operator ${result.runtimeOnly.operator}): ${result.runtimeOnly.forwardOnly}`
          : ''),
    );
  },
};
