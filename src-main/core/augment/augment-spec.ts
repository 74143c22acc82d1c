import { badInput } from '../errors.js';
import { CLASSIC_DEFAULTS, FLIP_PROBABILITY, type ClassicAugmentation } from './classic-augmentation.js';

/**
 * What `train --augment` asks for: classical augmentation (shifts, rotations, brightness, contrast; no flip
 * unless `classic:flip`), synthetic patches from a generator, or both.
 */
export interface AugmentSpec {
  classic?: ClassicAugmentation;
  /** Synthetic training patches per real training patch (0.5: half as many synthetic as real). */
  synthetic?: { ratio: number };
}

export const AUGMENT_SYNTAX =
  'classic[:flip] | synthetic:RATIO | synthetic:RATIO,classic[:flip] (RATIO: synthetic patches per real one, above 0 and at most 10; flip: left-right mirroring too, only where the side carries no meaning)';

/** Parses "classic", "synthetic:0.5" or "synthetic:0.5,classic" (in any order); anything else is bad input. */
export function parseAugment(text: string): AugmentSpec {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw badInput(`--augment needs ${AUGMENT_SYNTAX}`);
  const spec: AugmentSpec = {};
  for (const part of parts) {
    const [name, value, extra] = part.split(':');
    if (name === 'classic' && (value === undefined || value === 'flip') && extra === undefined) {
      if (spec.classic !== undefined) throw badInput('--augment names classic twice');
      spec.classic = {
        ...CLASSIC_DEFAULTS,
        ...(value === 'flip' ? { flipHorizontal: FLIP_PROBABILITY } : {}),
      };
    } else if (name === 'synthetic' && value !== undefined && extra === undefined) {
      const ratio = Number(value);
      if (!(ratio > 0 && ratio <= 10))
        throw badInput(`--augment synthetic:RATIO takes a ratio above 0 and at most 10, got "${value}"`);
      if (spec.synthetic !== undefined) throw badInput('--augment names synthetic twice');
      spec.synthetic = { ratio };
    } else {
      throw badInput(`--augment: unknown part "${part}"; use ${AUGMENT_SYNTAX}`);
    }
  }
  return spec;
}
