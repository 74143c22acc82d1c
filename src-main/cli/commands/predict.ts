import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { badInput } from '../../core/errors.js';
import { parseSplitName } from '../../core/data/sample-dataset.js';
import { predictNpy } from '../../core/predict/predict-npy.js';
import { predictDataset } from '../../core/predict/predict-dataset.js';

export const predictCommand: Command = {
  path: ['predict'],
  usage:
    'predict --model ID (--input FILE.npy --out FILE.npy | --dataset ID [--split test] --out FILE.csv) [--json]',
  summary:
    'Class probabilities of a model: for a float32 .npy of samples ([n, 187, 1] for beats) into a .npy [n, classes], or for a dataset split into a CSV with one row per sample',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const input = options.string('input');
    const datasetId = options.string('dataset');
    const splitText = options.string('split');
    const outPath = options.requiredString('out');
    options.rejectUnknown();
    if ((input === undefined) === (datasetId === undefined))
      throw badInput('predict needs either --input FILE.npy or --dataset ID');
    await initEngine();
    if (input !== undefined) {
      if (splitText !== undefined) throw badInput('--split goes with --dataset, not with --input');
      const result = await predictNpy(context.workspace(), { modelId, input, out: outPath });
      out.result(
        result,
        () =>
          `${result.samples} samples of ${result.input} through model ${result.modelId}: probabilities [${result.outputShape.join(', ')}] in ${result.out}; ` +
          `predicted ${Object.entries(result.predictedCounts)
            .map(([name, n]) => `${name} ${n}`)
            .join(', ')}`,
      );
      return;
    }
    const split = parseSplitName(splitText ?? 'test');
    const result = await predictDataset(context.workspace(), {
      modelId,
      datasetId: datasetId as string,
      split,
      out: outPath,
    });
    out.result(
      result,
      () =>
        `${result.samples} samples of dataset ${result.datasetId} (${result.split}) through model ${result.modelId}: ` +
        `one row each in ${result.out}; accuracy ${result.accuracy.toFixed(4)}`,
    );
  },
};
