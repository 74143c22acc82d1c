import type { Workspace } from '../../store/workspace.js';
import { getModel } from '../../store/models.js';
import { insertComparison, newComparisonId } from '../../store/method-comparisons.js';
import { appendAuditEvent } from '../../audit/log.js';
import { engineInfo } from '../../engine/backend.js';
import { badInput } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import { utcNow } from '../../util/ids.js';
import { validateModel } from '../validate/validate-model.js';
import type { AttackFigures } from '../../validate/membership.js';
import type { MembershipResult } from '../../validate/membership-suite.js';
import {
  defendMembership,
  isMembershipDefenseRecipe,
  MEMBERSHIP_DEFENSE_RECIPE,
} from '../train/membership-defense.js';

export interface CompareMembershipOptions {
  /** The model to defend, or a child the defence already produced (then only the measurement runs). */
  modelId: string;
  epochs?: number;
  samples?: number;
  seed?: number;
  /** Members and non-members drawn for the attack, each. */
  membershipSamples?: number;
  /** Shadow models of offline LiRA (0: the loss-threshold attack only). */
  shadowModels?: number;
}

export interface MembershipSide {
  modelId: string;
  accuracy: number;
  macroF1: number;
  lossThreshold: AttackFigures;
  lira: AttackFigures | null;
}

export interface MembershipComparison {
  comparisonId: string;
  datasetId: string;
  members: number;
  nonMembers: number;
  before: MembershipSide;
  after: MembershipSide;
  /** Largest attack advantage after minus before (negative: the defence helped). */
  advantageChange: number;
}

const largest = (side: { lossThreshold: AttackFigures; lira: AttackFigures | null }) =>
  Math.max(side.lossThreshold.advantage, side.lira?.advantage ?? 0);

/**
 * The membership-inference defence against the plain model it protects: the defended child (trained by
 * `defendMembership` unless the model given is one already), both attacked on the same members and
 * non-members of the test records, with their clean accuracy on the same split. Stored and audited.
 */
export async function compareMembershipDefense(
  workspace: Workspace,
  options: CompareMembershipOptions,
  context: JobContext,
): Promise<MembershipComparison> {
  const given = getModel(workspace.db, options.modelId);
  const alreadyDefended = isMembershipDefenseRecipe(given.recipe) && given.parentId !== null;
  const parentId = alreadyDefended ? (given.parentId as string) : given.id;
  const parent = getModel(workspace.db, parentId);
  if (parent.datasetId === null) throw badInput(`model ${parent.id} records no training dataset`);
  const datasetId = parent.datasetId;
  const stage = (from: number, to: number): JobContext => ({
    ...context,
    progress: (f, m) => context.progress(from + (to - from) * f, m),
  });
  const childId = alreadyDefended
    ? given.id
    : (
        await defendMembership(
          workspace,
          {
            modelId: parent.id,
            ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
            ...(options.samples !== undefined ? { samples: options.samples } : {}),
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
          },
          stage(0, 0.5),
        )
      ).modelId;
  const attack = {
    ...(options.membershipSamples !== undefined ? { membershipSamples: options.membershipSamples } : {}),
    ...(options.shadowModels !== undefined ? { shadowModels: options.shadowModels } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
  // The child's membership suite attacks its parent too, on the same samples: before and after side by side.
  const child = (await validateModel(
    workspace,
    { modelId: childId, datasetId, split: 'test', suites: ['clean', 'membership'], ...attack },
    stage(alreadyDefended ? 0 : 0.5, 0.9),
  )) as unknown as { clean: { accuracy: number; macroF1: number }; membership: MembershipResult };
  const plain = (await validateModel(
    workspace,
    { modelId: parent.id, datasetId, split: 'test', suites: ['clean'] },
    stage(0.9, 1),
  )) as unknown as { clean: { accuracy: number; macroF1: number } };
  const membership = child.membership;
  if (membership.parent === null) throw badInput(`model ${childId} has no parent to compare the attack with`);
  const before: MembershipSide = {
    modelId: parent.id,
    accuracy: plain.clean.accuracy,
    macroF1: plain.clean.macroF1,
    lossThreshold: membership.parent.lossThreshold,
    lira: membership.parent.lira,
  };
  const after: MembershipSide = {
    modelId: childId,
    accuracy: child.clean.accuracy,
    macroF1: child.clean.macroF1,
    lossThreshold: membership.model.lossThreshold,
    lira: membership.model.lira,
  };
  const comparisonId = newComparisonId();
  const result = {
    datasetId,
    members: membership.members,
    nonMembers: membership.nonMembers,
    before,
    after,
    advantageChange: largest(after) - largest(before),
  };
  workspace.db.transaction(() => {
    insertComparison(workspace.db, {
      id: comparisonId,
      kind: 'membership-defense',
      datasetId,
      params: { ...options, recipe: MEMBERSHIP_DEFENSE_RECIPE },
      result,
      backend: engineInfo().backend,
      createdAt: utcNow(),
      models: [
        { modelId: parent.id, role: 'before the defence' },
        { modelId: childId, role: 'after the defence' },
      ],
    });
    appendAuditEvent(workspace.db, {
      action: 'model.membership_defense_compare',
      entityType: 'model',
      entityId: childId,
      payload: {
        params: { ...options },
        comparisonId,
        result: {
          before: { modelId: parent.id, advantage: largest(before), accuracy: before.accuracy },
          after: { modelId: childId, advantage: largest(after), accuracy: after.accuracy },
        },
      },
    });
  })();
  return { comparisonId, ...result };
}
