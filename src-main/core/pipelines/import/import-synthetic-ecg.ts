import type { Workspace } from '../../store/workspace.js';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { deriveSeed } from '../../engine/seed.js';
import type { SplitSpec } from '../../data/ecg-splits.js';
import { synthesizeEcg, type SyntheticEcgOptions } from '../../data/ecg/synthetic-ecg.js';
import {
  beatWindowOptions,
  planSplit,
  storeBeatDataset,
  type AnnotatedRecording,
  type BeatDatasetResult,
} from './beat-dataset-builder.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';

import { SYNTHETIC_ECG_IMPORTER_VERSION } from '../../data/ecg/importer-versions.js';
import { syntheticHeartRate } from '../../data/ecg/synthetic-heart-rate.js';

export { SYNTHETIC_ECG_IMPORTER_VERSION, syntheticHeartRate };

export interface ImportSyntheticEcgOptions {
  name: string;
  /** Number of synthetic patients, one record each. */
  records: number;
  /** Length of each record, seconds. */
  seconds: number;
  seed: number;
  split: SplitSpec;
  ectopy?: SyntheticEcgOptions['ectopy'];
  noise?: number;
  length?: number;
  before?: number;
  targetFs?: number;
}

/** Record names syn01, syn02, ...: sortable, and never confused with MIT-BIH's numbers. */
export function syntheticRecordName(index: number, count: number): string {
  return `syn${String(index + 1).padStart(Math.max(2, String(count).length), '0')}`;
}

/**
 * Generates synthetic ECG records (one per synthetic patient, each with its own heart rate and morphology) and
 * stores their beats as a dataset exactly like an imported one. The generated signal is what gets hashed: the
 * same parameters give the same hashes, and the audit event records the generator and its seed.
 */
export function importSyntheticEcgDataset(
  workspace: Workspace,
  options: ImportSyntheticEcgOptions,
  context: JobContext,
): BeatDatasetResult {
  const windowOptions = beatWindowOptions(options);
  if (!Number.isInteger(options.records) || options.records < 1 || options.records > 500)
    throw badInput(`--records must be an integer from 1 to 500, got ${options.records}`);
  if (!(options.seconds >= 10 && options.seconds <= 86_400))
    throw badInput(`--seconds must be between 10 and 86400, got ${options.seconds}`);
  const names = Array.from({ length: options.records }, (_, i) => syntheticRecordName(i, options.records));
  const { plan, warnings } = planSplit(names, options.split, context);
  const recordings: AnnotatedRecording[] = names.map((record, i) => {
    throwIfCancelled(context.signal);
    context.progress((0.8 * i) / names.length, `generating ${record}`);
    const seed = deriveSeed(options.seed, 'synthetic-record', record);
    const heartRate = syntheticHeartRate(seed);
    const ecg = synthesizeEcg({
      seconds: options.seconds,
      fs: 360,
      heartRate,
      seed,
      ...(options.ectopy !== undefined ? { ectopy: options.ectopy } : {}),
      ...(options.noise !== undefined ? { noise: options.noise } : {}),
    });
    const bytes = new Uint8Array(ecg.signal.buffer, ecg.signal.byteOffset, ecg.signal.byteLength);
    return {
      record,
      signal: ecg.signal,
      fs: ecg.fs,
      beats: ecg.beats,
      sources: [
        {
          record,
          path: `synthetic:ecgsyn-style/seed=${options.seed}/${record}`,
          size: bytes.byteLength,
          sha256: sha256Hex(bytes),
        },
      ],
    };
  });
  return storeBeatDataset(
    workspace,
    {
      name: options.name,
      importer: SYNTHETIC_ECG_IMPORTER_VERSION,
      split: options.split,
      lead: 'synthetic',
      ...windowOptions,
      params: {
        generator: 'ecgsyn-style',
        records: options.records,
        seconds: options.seconds,
        seed: options.seed,
        split: options.split,
        ...(options.ectopy !== undefined ? { ectopy: options.ectopy } : {}),
        ...(options.noise !== undefined ? { noise: options.noise } : {}),
      },
    },
    recordings.filter((r) => !plan.skipped.includes(r.record)),
    plan.test,
    warnings,
    plan.skipped,
    context,
  );
}
