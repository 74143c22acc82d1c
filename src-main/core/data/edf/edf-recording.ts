import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { aamiClassOf } from '../ecg/aami.js';
import type { AnnotatedRecording } from '../ecg/annotated-recording.js';
import { edfName, edfPhysical, readEdfFile, type EdfFile } from './record.js';
import { readBeatCsv } from '../timeseries/beat-csv.js';

/** What reading one EDF recording needs: the import reads it so, and the record viewer reads it again the same way. */
export interface EdfRecordingOptions {
  /** Signal label; default the first signal labelled like an ECG lead (MLII, ECG, II, lead II). */
  lead?: string;
  /** Folder of RECORD.csv beat files (time in seconds or sample, label); else the EDF+ annotations. */
  beatsDir?: string;
}

/** Factors to mV for the physical dimensions an ECG channel carries. */
const TO_MILLIVOLT: Record<string, number> = { uV: 1e-3, '\u00b5V': 1e-3, '\u03bcV': 1e-3, mV: 1, V: 1e3 };

const ECG_LABEL = /^(ECG\b.*|MLII|II|lead ?II|EKG\b.*)$/i;

/** Sample index of a time in seconds, following EDF+D's record start times when the file is discontinuous. */
function sampleAt(edf: EdfFile, seconds: number, samplesPerRecord: number, fs: number): number | undefined {
  const duration = edf.header.recordDuration;
  const starts = edf.recordStarts;
  for (let r = 0; r < starts.length; r++) {
    const start = starts[r] as number;
    if (seconds >= start && seconds < start + duration)
      return r * samplesPerRecord + Math.round((seconds - start) * fs);
  }
  return undefined;
}

export function readEdfRecording(path: string, options: EdfRecordingOptions): AnnotatedRecording {
  const edf = readEdfFile(path);
  const record = edfName(path);
  const labels = edf.signals.map((s) => s.header.label);
  const index =
    options.lead !== undefined
      ? labels.findIndex((l) => l === options.lead) >= 0
        ? labels.findIndex((l) => l === options.lead)
        : labels.findIndex((l) => l.toLowerCase() === options.lead?.toLowerCase())
      : labels.findIndex((l) => ECG_LABEL.test(l));
  const signal = edf.signals[index];
  if (signal === undefined) {
    throw badInput(
      `${options.lead !== undefined ? `no signal "${options.lead}"` : 'no ECG signal found'}; signals: ${labels.join(', ') || 'none'} (choose one with --lead)`,
      path,
    );
  }
  const unit = signal.header.physicalDimension;
  const factor = TO_MILLIVOLT[unit];
  if (factor === undefined)
    throw badInput(`signal "${signal.header.label}" is in "${unit}", not uV, mV or V`, path);
  const fs = signal.fs;
  if (!(fs > 0))
    throw badInput(`signal "${signal.header.label}" has no sampling rate (record duration 0)`, path);
  const physical = edfPhysical(signal);
  const mv = Float32Array.from(physical, (v) => v * factor);
  const sources = [{ record, path, size: edf.size, sha256: edf.sha256 }];
  let beats: { sample: number; symbol: string }[];
  if (options.beatsDir !== undefined) {
    const csv = join(resolve(options.beatsDir), `${record}.csv`);
    if (!existsSync(csv)) throw badInput(`no beat file for record ${record}`, csv);
    const bytes = readFileSync(csv);
    sources.push({ record, path: csv, size: bytes.byteLength, sha256: sha256Hex(bytes) });
    beats = readBeatCsv(csv, fs);
  } else {
    beats = [];
    for (const a of edf.annotations) {
      if (aamiClassOf(a.text) === undefined) continue;
      const sample = sampleAt(edf, a.onset, signal.header.samplesPerRecord, fs);
      if (sample !== undefined) beats.push({ sample, symbol: a.text });
    }
    if (beats.length === 0)
      throw badInput(
        'no beat annotation (an MIT-BIH beat symbol such as N, V, A) in its EDF+ annotations; give --beats DIR',
        path,
      );
  }
  return { record, signal: mv, fs, beats, sources };
}
