import type { tf, tfl } from '../engine/tf.js';
import { applyMasks, disposeMasks, magnitudeMasks, type PruneScope } from './prune-magnitude.js';

/**
 * Gradual magnitude pruning (Zhu & Gupta 2017, "To prune, or not to prune"): the sparsity rises from 0 to
 * the target along s(t) = s_f * (1 - (1 - t/T)^3) over the first `rampFraction` of the fine-tuning steps,
 * recomputed every `frequency` steps from the current magnitudes, so that the network has time to recover
 * between prunings; the masks are re-applied after every step and the last part trains at the final sparsity.
 * 'oneshot' prunes to the target before the first step.
 */
export function polynomialSparsity(
  step: number,
  rampSteps: number,
  finalSparsity: number,
  power = 3,
): number {
  if (rampSteps <= 0 || step >= rampSteps) return finalSparsity;
  const progress = Math.max(0, step) / rampSteps;
  return finalSparsity * (1 - (1 - progress) ** power);
}

export interface PruneScheduleOptions {
  finalSparsity: number;
  scope: PruneScope;
  schedule: 'poly' | 'oneshot';
  totalSteps: number;
  rampFraction?: number;
  frequency?: number;
}

export class PruneSchedule {
  private masks = new Map<string, tf.Tensor>();
  private readonly rampSteps: number;
  private readonly frequency: number;
  /** The sparsity the current masks were computed for. */
  current = 0;

  constructor(
    private readonly model: tfl.LayersModel,
    private readonly options: PruneScheduleOptions,
  ) {
    this.rampSteps =
      options.schedule === 'oneshot' ? 0 : Math.floor(options.totalSteps * (options.rampFraction ?? 0.7));
    // About 10 pruning events along the ramp, at least one step apart.
    this.frequency = options.frequency ?? Math.max(1, Math.floor(this.rampSteps / 10));
  }

  /** Before optimization step `step` (0-based): update the masks when the schedule says so. */
  beforeStep(step: number): void {
    const due = step === 0 || (step <= this.rampSteps && step % this.frequency === 0);
    if (!due && this.masks.size > 0) return;
    const target = polynomialSparsity(step + this.frequency, this.rampSteps, this.options.finalSparsity);
    if (target === this.current && this.masks.size > 0) return;
    this.setSparsity(target);
  }

  /** After an optimizer step: put pruned weights back to zero. */
  afterStep(): void {
    if (this.masks.size > 0) applyMasks(this.model, this.masks);
  }

  /** Prunes to the final sparsity now (end of fine-tuning, or no fine-tuning at all). */
  finish(): void {
    if (this.current !== this.options.finalSparsity || this.masks.size === 0)
      this.setSparsity(this.options.finalSparsity);
    applyMasks(this.model, this.masks);
  }

  dispose(): void {
    disposeMasks(this.masks);
  }

  private setSparsity(sparsity: number): void {
    disposeMasks(this.masks);
    this.masks = magnitudeMasks(this.model, sparsity, this.options.scope);
    this.current = sparsity;
    applyMasks(this.model, this.masks);
  }
}
