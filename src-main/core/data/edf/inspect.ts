import { basename } from 'node:path';
import { edfPhysical, readEdfFile } from './record.js';

const FIRST_SAMPLES = 10;

/** Rounds for display without losing what a 16-bit sample can hold (physical values are exact to ~1e-9). */
const round = (value: number): number => Math.round(value * 1e6) / 1e6;

/**
 * What `attest inspect FILE.edf` shows: the header, per signal its sampling rate, scaling, digital sum and first
 * samples (to compare with other readers) and physical min/max/mean; the EDF+ annotations with their texts.
 */
export function inspectEdf(path: string): object {
  const edf = readEdfFile(path);
  const { header } = edf;
  const texts: Record<string, number> = {};
  for (const a of edf.annotations) texts[a.text] = (texts[a.text] ?? 0) + 1;
  return {
    format: 'edf',
    variant: header.variant,
    file: basename(path),
    sha256: edf.sha256,
    size: edf.size,
    startDate: header.startDate,
    startTime: header.startTime,
    dataRecords: header.dataRecords,
    recordDuration: header.recordDuration,
    duration: edf.recordStarts.length > 0 ? (edf.recordStarts.at(-1) ?? 0) + header.recordDuration : 0,
    // Patient and recording fields may identify a person: reported only as present or not.
    patientField: header.patient === '' ? 'empty' : 'present (not shown)',
    signals: edf.signals.map((signal) => {
      const physical = edfPhysical(signal);
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      let physicalSum = 0;
      for (let i = 0; i < signal.digital.length; i++) {
        sum += signal.digital[i] as number;
        const value = physical[i] as number;
        physicalSum += value;
        if (value < min) min = value;
        if (value > max) max = value;
      }
      const n = signal.digital.length;
      return {
        name: signal.header.label,
        units: signal.header.physicalDimension,
        fs: signal.fs,
        samplesPerRecord: signal.header.samplesPerRecord,
        samples: n,
        physicalMin: signal.header.physicalMin,
        physicalMax: signal.header.physicalMax,
        digitalMin: signal.header.digitalMin,
        digitalMax: signal.header.digitalMax,
        transducer: signal.header.transducer,
        prefiltering: signal.header.prefiltering,
        sum,
        first: Array.from(signal.digital.subarray(0, FIRST_SAMPLES)),
        physical: n === 0 ? null : { min: round(min), max: round(max), mean: round(physicalSum / n) },
      };
    }),
    annotations: {
      count: edf.annotations.length,
      texts,
      first: edf.annotations.slice(0, FIRST_SAMPLES),
    },
    warnings: header.warnings,
  };
}
