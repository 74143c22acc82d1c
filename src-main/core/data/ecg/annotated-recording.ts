import type { SourceFileRow } from '../../store/datasets.js';
import type { WfdbAnnotation } from '../wfdb/annotations.js';

/** One recording with its beat annotations, read by a format's importer (WFDB, EDF, ...). */
export interface AnnotatedRecording {
  /** Record name: the unit of the split (one patient's recording). */
  record: string;
  /** The chosen lead in mV. */
  signal: Float32Array;
  fs: number;
  /** Beat annotations: sample index at `fs` and the MIT-BIH beat symbol. */
  beats: Pick<WfdbAnnotation, 'sample' | 'symbol'>[];
  sources: SourceFileRow[];
}
