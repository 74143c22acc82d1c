/**
 * A training loss as people read it: the progress line, the training log and the loss curve's labels all use
 * this, so that the same value never shows as 0.41 in one place and 0.4123 in another.
 */
export const LOSS_DECIMALS = 4;

export function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toFixed(LOSS_DECIMALS) : '–';
}
