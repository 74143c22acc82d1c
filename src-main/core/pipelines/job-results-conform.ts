/*
 * Compile-time checks that each pipeline's result, as its function types it, is what the schema of its stored
 * job result describes (as `core/validate/stored-results-conform.ts` does for the validation suites): a field
 * added to a pipeline's result without its schema, or changed in type, fails the build here. No code runs from
 * this file.
 */
import type { Conforms } from '../validate/metrics-schema.js';
import type { StoredTrainResult } from './train/train-result-schema.js';
import type { StoredCompressResult } from './compress/compress-result-schema.js';
import type { StoredBeatImportResult } from './import/beat-import-result-schema.js';
import type { trainModel } from './train/train-model.js';
import type { resumeTraining } from './train/resume-job.js';
import type { compressModel } from './compress/compress-model.js';
import type { importWfdbDataset } from './import/import-wfdb-dataset.js';
import type { importEdfDataset } from './import/import-edf-dataset.js';
import type { importSyntheticEcgDataset } from './import/import-synthetic-ecg.js';

/** What a pipeline returns, as stored (after its promise). */
type Out<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export type JobResultsConform = [
  Conforms<Out<typeof trainModel>, StoredTrainResult>,
  Conforms<Out<typeof resumeTraining>, StoredTrainResult>,
  Conforms<Out<typeof compressModel>, StoredCompressResult>,
  Conforms<Out<typeof importWfdbDataset>, StoredBeatImportResult>,
  Conforms<Out<typeof importEdfDataset>, StoredBeatImportResult>,
  Conforms<Out<typeof importSyntheticEcgDataset>, StoredBeatImportResult>,
];
