import { badInput } from '../errors.js';
import type { Policy } from './policy.js';
import type { ReviewerScale } from './reviewer-units.js';

const UNIT_NAMES = { mV: 'mV', 'grey-levels': 'grey levels of 255' } as const;

/** Whether a policy gives any attack budget in physical units (so the dataset's scale must be known). */
export function hasPhysicalBudgets(policy: Policy | undefined): boolean {
  return (policy?.minRobustAccuracy ?? []).some((g) => g.unit !== undefined && g.unit !== 'input');
}

/**
 * The policy with every attack budget given in millivolts or grey levels converted to model input units with
 * the dataset's scale (reviewer-units.ts: for ECG one input unit is a beat's standard deviation, the median over
 * the test beats; for images 255 times the normalization's standard deviation), each gate keeping a note of
 * both figures for its verdict line. A budget in a unit the dataset has no scale for is refused, naming it.
 */
export function policyInInputUnits(policy: Policy, scale: ReviewerScale | null, dataset: string): Policy {
  if (!hasPhysicalBudgets(policy)) return policy;
  const minRobustAccuracy = (policy.minRobustAccuracy ?? []).map((gate) => {
    if (gate.unit === undefined || gate.unit === 'input') return gate;
    const wanted = UNIT_NAMES[gate.unit];
    if (scale === null || scale.unit !== wanted)
      throw badInput(
        `the policy gives a ${gate.suite} budget in ${wanted}, but ${dataset} ${scale === null ? 'records no such scale (ECG beats scaled per window, as kachuee2018 does, or images normalized per image)' : `is measured in ${scale.unit}`}: give that budget in model input units (unit "input")`,
      );
    const physical = gate.epsilon as number;
    const epsilon = physical / scale.perInputUnit;
    return {
      ...gate,
      unit: 'input' as const,
      epsilon,
      budgetNote: `${physical} ${wanted} = ${+epsilon.toPrecision(4)} input units; ${scale.basis}`,
    };
  });
  return { ...policy, minRobustAccuracy };
}
