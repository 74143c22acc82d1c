import { badInput } from '../errors.js';
import { sampleCount } from '../predict/predict.js';

/** Accuracy and success of one attack at one budget. */
export interface AttackPoint {
  /** The attack budget in `unit`: epsilon for norm-bounded attacks, k changed values for the sparse attack. */
  epsilon: number;
  accuracy: number;
  /** Fraction of the correctly classified clean samples the attack flips; null if none was correct. */
  attackSuccessRate: number | null;
  /**
   * Targeted attacks: fraction of the samples not of the target class that end predicted as the target class;
   * null for untargeted attacks or when every sample is of the target class.
   */
  targetSuccessRate?: number | null;
}

/** One attack swept over its budgets, on one model. */
export interface AttackSweep {
  attack: 'pgd' | 'sparse' | 'square' | 'transfer';
  norm: 'Linf' | 'L2' | 'L0';
  /** What the budget is measured in. */
  unit: string;
  targeted: boolean;
  target?: string;
  /** The attack's settings (steps, step size, restarts, queries...), as run. */
  params: Record<string, number | string | boolean>;
  n: number;
  cleanAccuracy: number;
  points: AttackPoint[];
}

/** Counts for one budget, accumulated over batches. */
export class SweepCounter {
  private cleanCorrect = 0;
  private readonly correct: number[];
  private readonly flipped: number[];
  private readonly hit: number[];
  private nonTarget = 0;
  private n = 0;

  constructor(
    private readonly budgets: number[],
    private readonly target: number | undefined,
  ) {
    this.correct = new Array<number>(budgets.length).fill(0);
    this.flipped = new Array<number>(budgets.length).fill(0);
    this.hit = new Array<number>(budgets.length).fill(0);
  }

  /** One sample: its label, its clean prediction and its prediction under each budget. */
  add(label: number, clean: number, attacked: ArrayLike<number>): void {
    this.n++;
    const cleanRight = clean === label;
    if (cleanRight) this.cleanCorrect++;
    if (this.target !== undefined && label !== this.target) this.nonTarget++;
    this.budgets.forEach((_, b) => {
      const p = attacked[b] as number;
      if (p === label) this.correct[b] = (this.correct[b] as number) + 1;
      if (cleanRight && p !== label) this.flipped[b] = (this.flipped[b] as number) + 1;
      if (this.target !== undefined && label !== this.target && p === this.target)
        this.hit[b] = (this.hit[b] as number) + 1;
    });
  }

  result(head: Omit<AttackSweep, 'n' | 'cleanAccuracy' | 'points'>): AttackSweep {
    if (this.n === 0) throw badInput('no samples to attack');
    return {
      ...head,
      n: this.n,
      cleanAccuracy: this.cleanCorrect / this.n,
      points: this.budgets.map((epsilon, b) => ({
        epsilon,
        accuracy: (this.correct[b] as number) / this.n,
        attackSuccessRate: this.cleanCorrect > 0 ? (this.flipped[b] as number) / this.cleanCorrect : null,
        ...(this.target !== undefined
          ? { targetSuccessRate: this.nonTarget > 0 ? (this.hit[b] as number) / this.nonTarget : null }
          : {}),
      })),
    };
  }
}

/** Checks the common inputs of an attack; returns the number of samples. */
export function checkAttackInputs(o: {
  inputs: Float32Array;
  sampleShape: number[];
  labels: ArrayLike<number>;
  classes: number;
  target?: number | undefined;
}): number {
  const n = sampleCount(o.inputs, o.sampleShape);
  if (n === 0) throw badInput('no samples to attack');
  if (o.labels.length !== n) throw badInput(`${n} samples but ${o.labels.length} labels`);
  if (!Number.isInteger(o.classes) || o.classes < 2)
    throw badInput(`an attack needs at least 2 classes, got ${o.classes}`);
  for (let i = 0; i < n; i++) {
    const label = o.labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= o.classes)
      throw badInput(`label ${label} at sample ${i} is not a class index from 0 to ${o.classes - 1}`);
  }
  if (o.target !== undefined && (!Number.isInteger(o.target) || o.target < 0 || o.target >= o.classes))
    throw badInput(`target class ${o.target} is not a class index from 0 to ${o.classes - 1}`);
  return n;
}

export function checkBudgets(budgets: number[], what: string, integer = false): number[] {
  if (budgets.length === 0) throw badInput(`${what} needs at least one budget`);
  for (const b of budgets) {
    if (!Number.isFinite(b) || b < 0 || (integer && !Number.isInteger(b)))
      throw badInput(`${what}: budget ${b} must be a finite ${integer ? 'integer' : 'number'} >= 0`);
  }
  return budgets;
}

export function checkCount(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(`${what} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}
