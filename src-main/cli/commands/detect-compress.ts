import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { badInput } from '../../core/errors.js';
import { parseCorruptions } from '../../core/validate/image-corruptions.js';
import { compressDetector } from '../../core/pipelines/detect/compress-detector.js';
import { detectorCorruptionRobustness } from '../../core/pipelines/detect/corruption-robustness.js';
import { cliJobContext } from './job-context.js';

const figure = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(4));

export const detectCompressCommand: Command = {
  path: ['detect', 'compress'],
  usage:
    'detect compress --model ID --recipe prune:0.5,quant:int8|student:0.5,quant:int8 [--fine-tune-steps 100|300] [--dataset ID] [--score 0.3] [--seed 1] [--json]',
  summary:
    'Compress a detector (a thinner student distilled from its heatmaps, magnitude pruning with a short fine-tune, int8 or float16 weights) and score the child beside its parent: AP per class, boxes the parent found and the child lost',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const recipe = options.requiredString('recipe');
    const fineTuneSteps = options.number('fine-tune-steps', { min: 0, max: 100000, integer: true });
    const datasetId = options.string('dataset');
    const minScore = options.number('score', { min: 0.001, max: 0.999 });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true });
    options.rejectUnknown();
    await initEngine();
    const result = await compressDetector(
      context.workspace(),
      {
        modelId,
        recipe,
        ...(fineTuneSteps !== undefined ? { fineTuneSteps } : {}),
        ...(datasetId !== undefined ? { datasetId } : {}),
        ...(minScore !== undefined ? { minScore } : {}),
        ...(seed !== undefined ? { seed } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () =>
      [
        `model ${result.modelId} = ${result.parentId} with ${result.recipe}: ${result.sizeBytes.parent} -> ${result.sizeBytes.child} bytes, ${result.params.nonzero} of ${result.params.parent} parameters nonzero, ${result.fineTuneSteps} fine-tuning steps`,
        'CLASS      PARENT AP@0.5  CHILD AP@0.5',
        ...result.child.classes.map(
          (c, k) =>
            `${c.name.padEnd(9)}  ${figure(result.parent.classes[k]?.ap50).padEnd(13)}  ${figure(c.ap50)}`,
        ),
        `${'mean'.padEnd(9)}  ${figure(result.parent.map50).padEnd(13)}  ${figure(result.child.map50)}`,
        `at score >= ${result.disagreement.operatingScore}: ${result.disagreement.lost} boxes found by the parent and lost by the child, ${result.disagreement.gained} gained; false alarms ${result.disagreement.parentFalseAlarms} -> ${result.disagreement.childFalseAlarms}`,
      ].join('\n'),
    );
  },
};

export const detectRobustnessCommand: Command = {
  path: ['detect', 'robustness'],
  usage:
    'detect robustness --model ID [--dataset ID] [--corruptions fog,glare,blur,gaussian,jpeg|all] [--severities 1,3,5] [--seed 1] [--json]',
  summary:
    'AP of a detector under fog, glare, blur, noise and JPEG corruptions of whole frames, per severity; stored as a validation',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const datasetId = options.string('dataset');
    const corruptionsText = options.string('corruptions');
    const severitiesText = options.string('severities');
    const severities = severitiesText?.split(',').map((s) => Number(s.trim()));
    if (severities !== undefined && severities.some((s) => !Number.isInteger(s) || s < 1 || s > 5))
      throw badInput(
        `--severities must be integers from 1 to 5 separated by commas, got "${severitiesText}"`,
      );
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true });
    options.rejectUnknown();
    await initEngine();
    const result = await detectorCorruptionRobustness(
      context.workspace(),
      {
        modelId,
        ...(datasetId !== undefined ? { datasetId } : {}),
        ...(corruptionsText !== undefined ? { corruptions: parseCorruptions(corruptionsText) } : {}),
        ...(severities !== undefined ? { severities } : {}),
        ...(seed !== undefined ? { seed } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () =>
      [
        `validation ${result.validationId}: model ${result.modelId} on ${result.frames} test frames; clean mAP@0.5 ${figure(result.clean.map50)}`,
        'CORRUPTION  SEVERITY  mAP@0.5  mAP@[.5:.95]',
        ...result.rows.map(
          (r) =>
            `${r.corruption.padEnd(10)}  ${String(r.severity).padEnd(8)}  ${figure(r.map50).padEnd(7)}  ${figure(r.mapCoco)}`,
        ),
        `mean corrupted mAP@0.5 ${figure(result.meanCorruptedMap50)} (drop ${figure(result.meanDrop)})`,
      ].join('\n'),
    );
  },
};
