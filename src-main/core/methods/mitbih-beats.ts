import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRng } from '../engine/seed.js';
import { badInput } from '../errors.js';
import { AAMI_CLASSES } from '../data/ecg/aami.js';
import { segmentBeats } from '../data/ecg/segment.js';
import { standardizeBeats } from '../data/ecg/preprocess.js';
import { readWfdbAnnotations } from '../data/wfdb/annotations.js';
import { findSignal, physicalSignal, readWfdbRecord } from '../data/wfdb/record.js';
import { resourcesDir } from '../util/resources.js';

/** Beats of MIT-BIH records for `methods reproduce --data mitbih`, standardized per beat as Attest imports them. */
export interface MitbihBeats {
  inputs: Float32Array;
  labels: Int32Array;
  /** Index into `records` per beat. */
  recordOf: Int32Array;
  records: string[];
  /** Where the records were read, said in the reproduction's task. */
  source: string;
  length: number;
  classes: number;
}

/** Beats kept per record, spread evenly over it: enough for the method, quick to read and to train on. */
const BEATS_PER_RECORD = 400;

/**
 * The MIT-BIH records of ../shared/data/mitdb beside the repository when present (the 48-record database or part
 * of it), else the few bundled in resources/mitdb; each record's MLII lead (else its first signal), cut into
 * 187-sample windows around annotated beats (AAMI classes) and standardized per beat.
 */
export function mitbihBeats(): MitbihBeats {
  const shared = join(dirname(resourcesDir()), '..', 'shared', 'data', 'mitdb');
  const dir = existsSync(shared) ? shared : join(resourcesDir(), 'mitdb');
  const source = dir === shared ? `../shared/data/mitdb (${dir})` : 'the records bundled in resources/mitdb';
  const records = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.hea') && existsSync(join(dir, f.replace(/\.hea$/, '.atr'))))
        .map((f) => f.replace(/\.hea$/, ''))
        .sort()
    : [];
  if (records.length < 4)
    throw badInput(
      `--data mitbih needs at least 4 MIT-BIH records with annotations; ${dir} has ${records.length}`,
    );
  const windows: Float32Array[] = [];
  const labels: number[] = [];
  const recordOf: number[] = [];
  records.forEach((name, r) => {
    const record = readWfdbRecord(join(dir, name));
    let lead = 0;
    try {
      lead = findSignal(record, 'MLII');
    } catch {
      // A record without MLII (two of the 48) is read on its first lead.
    }
    const beats = segmentBeats(
      physicalSignal(record, lead),
      record.header.fs,
      readWfdbAnnotations(join(dir, `${name}.atr`)),
    );
    const n = beats.labels.length;
    const step = Math.max(1, n / BEATS_PER_RECORD);
    for (let k = 0; k < Math.min(n, BEATS_PER_RECORD); k++) {
      const i = Math.floor(k * step);
      windows.push(beats.windows.subarray(i * beats.length, (i + 1) * beats.length));
      labels.push(beats.labels[i] as number);
      recordOf.push(r);
    }
  });
  const raw = new Float32Array(windows.length * 187);
  windows.forEach((w, k) => raw.set(w, k * 187));
  return {
    inputs: standardizeBeats(raw, 187),
    labels: Int32Array.from(labels),
    recordOf: Int32Array.from(recordOf),
    records,
    source,
    length: 187,
    classes: AAMI_CLASSES.length,
  };
}

/** A seeded split by record: half of the records (rounded down) to train on, the others' beats held out. */
export function splitByRecord(
  beats: MitbihBeats,
  seed: number,
): { train: number[]; test: number[]; trainRecords: string[] } {
  const rng = createRng(seed);
  const order = beats.records.map((_, r) => r);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const inTrain = new Set(order.slice(0, Math.floor(order.length / 2)));
  const train: number[] = [];
  const test: number[] = [];
  beats.recordOf.forEach((r, i) => (inTrain.has(r) ? train : test).push(i));
  return { train, test, trainRecords: [...inTrain].map((r) => beats.records[r] as string) };
}
