import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { badInput } from '../../core/errors.js';
import { detectorPgd } from '../../core/pipelines/detect/pgd-detection.js';
import { cliJobContext } from './job-context.js';

const figure = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(4));

/** "1/255,4/255" or "0.004,0.016". */
function parseEpsilons(text: string): number[] {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?))?\s*$/.exec(part);
    const value = match === null ? NaN : Number(match[1]) / Number(match[2] ?? 1);
    if (!(value > 0 && value <= 0.5))
      throw badInput(
        `--epsilons must be budgets above 0 and at most 0.5, like 1/255,4/255 or 0.004, got "${text}"`,
      );
    return value;
  });
}

export const detectAttackCommand: Command = {
  path: ['detect', 'attack'],
  usage: 'detect attack --model ID [--dataset ID] [--epsilons 1/255,2/255,4/255,8/255] [--steps 5] [--json]',
  summary:
    'PGD on the detection loss (L-infinity, frame pixels only): AP of a detector on adversarially moved test frames per budget; stored as a validation',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const datasetId = options.string('dataset');
    const epsilonsText = options.string('epsilons');
    const steps = options.number('steps', { min: 1, max: 100, integer: true });
    options.rejectUnknown();
    await initEngine();
    const result = await detectorPgd(
      context.workspace(),
      {
        modelId,
        ...(datasetId !== undefined ? { datasetId } : {}),
        ...(epsilonsText !== undefined ? { epsilons: parseEpsilons(epsilonsText) } : {}),
        ...(steps !== undefined ? { steps } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () =>
      [
        `validation ${result.validationId}: PGD (${result.steps} steps) on model ${result.modelId}, ${result.frames} test frames`,
        'EPSILON        mAP@0.5  mAP@[.5:.95]',
        ...result.rows.map(
          (r) =>
            `${`${r.epsilon.toFixed(4)} (${(r.epsilon * 255).toFixed(1)}/255)`.padEnd(13)}  ${figure(r.map50).padEnd(7)}  ${figure(r.mapCoco)}`,
        ),
      ].join('\n'),
    );
  },
};
