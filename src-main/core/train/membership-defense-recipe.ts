// The recipe name a defended model is stored under: the defence writes it, the training-method summary reads it.
export const MEMBERSHIP_DEFENSE_RECIPE = 'membership-defense:dmp';

/** Any version of the defence (the earlier one was recorded as membership-defense:mixup-distill). */
export function isMembershipDefenseRecipe(recipe: string | null | undefined): boolean {
  return (recipe ?? '').startsWith('membership-defense:');
}
