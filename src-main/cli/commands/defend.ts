import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { defendMembership } from '../../core/train/membership-defense.js';
import { cliJobContext } from './job-context.js';

export const defendMembershipCommand: Command = {
  path: ['defend', 'membership'],
  usage: 'defend membership --model ID [--samples N] [--epochs 5] [--seed 1] [--name NAME] [--json]',
  summary:
    "Membership-inference defence: a child retrained only on the model's own class probabilities for reference inputs drawn from its distribution; validate it with --suite membership to see the advantage before and after",
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const samples = options.number('samples', { min: 10, max: 1000000, integer: true });
    const epochs = options.number('epochs', { min: 1, max: 200, integer: true });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true });
    const name = options.string('name');
    options.rejectUnknown();
    await initEngine();
    const result = await defendMembership(
      context.workspace(),
      {
        modelId,
        ...(samples !== undefined ? { samples } : {}),
        ...(epochs !== undefined ? { epochs } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(name !== undefined ? { name } : {}),
      },
      cliJobContext(context),
    );
    out.result(
      result,
      () =>
        `model ${result.modelId} (child of ${result.parentId}, ${result.recipe}): ${result.referenceSamples} reference samples, ${result.epochsRun} epochs`,
    );
  },
};
