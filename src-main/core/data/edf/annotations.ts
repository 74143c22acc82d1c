import { badInput } from '../../errors.js';

/** One EDF+ annotation from a time-stamped annotation list (TAL). */
export interface EdfAnnotation {
  /** Seconds from the start of the recording. */
  onset: number;
  /** Seconds, when given. */
  duration?: number;
  text: string;
}

export interface EdfRecordAnnotations {
  /** Start of each data record in seconds (the first TAL of every record: its timekeeping annotation). */
  recordStarts: number[];
  annotations: EdfAnnotation[];
}

const ONSET = /^[+-]\d+(\.\d*)?$/;

/**
 * Parses the TALs of one data record's annotation channel: "+onset[\x15duration]\x14text\x14...\x14\x00", padded
 * with zero bytes. The first TAL of each record has an empty text and gives the record's start time (needed for
 * EDF+D, whose records are not contiguous).
 */
export function parseTals(
  bytes: Uint8Array,
  file: string,
  record: number,
): { recordStart: number | undefined; annotations: EdfAnnotation[] } {
  const annotations: EdfAnnotation[] = [];
  let recordStart: number | undefined;
  let i = 0;
  let first = true;
  while (i < bytes.length && bytes[i] !== 0) {
    const end = bytes.indexOf(0, i);
    const talEnd = end === -1 ? bytes.length : end;
    const tal = Buffer.from(bytes.subarray(i, talEnd)).toString('utf8');
    i = talEnd + 1;
    const parts = tal.split('\x14');
    const head = parts[0] ?? '';
    const [onsetText, durationText] = head.split('\x15');
    if (onsetText === undefined || !ONSET.test(onsetText))
      throw badInput(`data record ${record}: annotation onset "${onsetText ?? ''}" is not +seconds`, file);
    const onset = Number(onsetText);
    const duration = durationText !== undefined && durationText !== '' ? Number(durationText) : undefined;
    if (duration !== undefined && !(duration >= 0))
      throw badInput(`data record ${record}: annotation duration "${durationText}" is not a number`, file);
    const texts = parts.slice(1).filter((t) => t !== '');
    if (first) {
      recordStart = onset;
      first = false;
    }
    for (const text of texts)
      annotations.push({ onset, ...(duration !== undefined ? { duration } : {}), text });
  }
  return { recordStart, annotations };
}
