import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { defendMembership } from '../../core/pipelines/train/membership-defense.js';
import { compareMembershipDefense } from '../../core/pipelines/compare/compare-membership-defense.js';
import { cliJobContext } from './job-context.js';
import { withMethodEvidence } from './method-evidence-output.js';

const percent = (v: number | null | undefined) =>
  typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-';

export const defendMembershipCommand: Command = {
  path: ['defend', 'membership'],
  booleanFlags: ['compare'],
  usage:
    'defend membership --model ID [--samples N] [--epochs 5] [--seed 1] [--name NAME] [--compare [--membership-samples 1000] [--shadow-models 4]] [--json]',
  summary:
    "Membership-inference defence (DMP, Shejwalkar & Houmansadr 2021): a child trained only on the model's softened predictions for inputs it never trained on (its validation records, the lower-entropy half; --samples caps how many are offered); with --compare, the attack and the accuracy before and after, stored as a comparison (a defended child given as --model is only measured)",
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const samples = options.number('samples', { min: 10, max: 1000000, integer: true });
    const epochs = options.number('epochs', { min: 1, max: 200, integer: true });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true });
    const name = options.string('name');
    const compare = options.flag('compare');
    const membershipSamples = options.number('membership-samples', { min: 10, max: 100000, integer: true });
    const shadowModels = options.number('shadow-models', { min: 0, max: 64, integer: true });
    options.rejectUnknown();
    await initEngine();
    const common = {
      modelId,
      ...(samples !== undefined ? { samples } : {}),
      ...(epochs !== undefined ? { epochs } : {}),
      ...(seed !== undefined ? { seed } : {}),
    };
    if (compare) {
      const compared = await compareMembershipDefense(
        context.workspace(),
        {
          ...common,
          ...(membershipSamples !== undefined ? { membershipSamples } : {}),
          ...(shadowModels !== undefined ? { shadowModels } : {}),
        },
        cliJobContext(context),
      );
      const result = withMethodEvidence(context, compared, ['membership-defense']);
      out.result(result, () =>
        [
          `comparison ${result.comparisonId}: ${result.members} members and ${result.nonMembers} non-members of ${result.datasetId}`,
          ...(['before', 'after'] as const).map((side) => {
            const s = result[side];
            return `${side.padEnd(6)} ${s.modelId}  accuracy ${percent(s.accuracy)}  loss-threshold advantage ${percent(s.lossThreshold.advantage)} (AUC ${percent(s.lossThreshold.auc)})${s.lira !== null ? `  LiRA advantage ${percent(s.lira.advantage)}` : ''}`;
          }),
        ].join('\n'),
      );
      return;
    }
    const result = withMethodEvidence(
      context,
      await defendMembership(
        context.workspace(),
        { ...common, ...(name !== undefined ? { name } : {}) },
        cliJobContext(context),
      ),
      ['membership-defense'],
    );
    out.result(
      result,
      () =>
        `model ${result.modelId} (child of ${result.parentId}, ${result.recipe}): ${result.referenceSamples} reference samples, ${result.epochsRun} epochs`,
    );
  },
};
