import type { Options } from '../args.js';
import { badInput } from '../../core/errors.js';
import { parseBeatPreset, type BeatPreset } from '../../core/pipelines/import/beat-dataset-builder.js';

/**
 * `--preset standardize-per-beat|kachuee2018|record-normalized-rr` of the ECG beat importers; `--rr-context` is
 * short for `--preset record-normalized-rr` (each beat with its R-R intervals, for ecg-resnet-rr). The kachuee2018 format fixes the window
 * (187 samples at 125 Hz from the R peak), so window options given beside it are refused rather than ignored.
 */
export function beatPresetOption(options: Options, windowOptions: string[]): BeatPreset | undefined {
  const rrContext = options.flag('rr-context');
  const text = options.string('preset');
  if (rrContext) {
    if (text !== undefined && text !== 'record-normalized-rr')
      throw badInput(
        `--rr-context is the preset record-normalized-rr; it cannot be combined with --preset ${text}`,
      );
    return 'record-normalized-rr';
  }
  if (text === undefined) return undefined;
  const preset = parseBeatPreset(text);
  if (preset === 'kachuee2018') {
    const given = windowOptions.filter((name) => options.string(name) !== undefined);
    if (given.length > 0)
      throw badInput(
        `${given.map((name) => `--${name}`).join(', ')} cannot be combined with --preset kachuee2018, which fixes the beat window (187 samples at 125 Hz from the R peak)`,
      );
  }
  return preset;
}
