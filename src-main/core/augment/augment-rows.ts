// The rows of an augmentation comparison: the comparison job produces them, its description and report read them.
export const AUGMENT_CONFIGURATIONS = ['none', 'classic', 'synthetic', 'both'] as const;

export type AugmentConfiguration = (typeof AUGMENT_CONFIGURATIONS)[number];

export interface AugmentRun {
  seed: number;
  modelId: string;
  /** On the test split. */
  accuracy: number;
  macroF1: number;
  /** Training samples used: real, and synthetic. */
  realSamples: number;
  syntheticSamples: number;
  generatorId?: string;
  seconds: number;
}

export interface AugmentRow {
  configuration: AugmentConfiguration;
  /** The --augment given to training ("" for none). */
  augment: string;
  fraction: number;
  runs: AugmentRun[];
  meanAccuracy: number;
  meanMacroF1: number;
  /** Across seeds (0 with one seed). */
  sdMacroF1: number;
  /** Mean over seeds of this configuration's figure minus the plain baseline's with the same seed. */
  gainAccuracy: number;
  gainMacroF1: number;
}

export interface GeneratorUsed {
  fraction: number;
  seed: number;
  generatorId: string;
  verdict: 'leak' | 'no-leak';
  summary: string;
}
