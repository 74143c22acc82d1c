import { badInput } from '../../errors.js';
import { NOTE_CODE, symbolForCode } from './annotation-codes.js';
import { readSourceFile, type SourceFile } from './source-file.js';

export interface WfdbAnnotation {
  /** Sample number from the start of the record (exact up to 2^53, files reach 10^10 through SKIP). */
  sample: number;
  symbol: string;
  subtype: number;
  chan: number;
  num: number;
  aux?: string;
  /** The annotation code as stored (1 = N, 5 = V, ...); set by the reader, optional for hand-made lists. */
  code?: number;
}

export interface WfdbAnnotationFile {
  annotations: WfdbAnnotation[];
  /** The time resolution from the definitions block ("## time resolution: 360"), when the file has one. */
  fs?: number;
  /** Codes the file's definitions block defines, with their symbol and description. */
  definitions: { code: number; symbol: string; description: string }[];
}

export interface WfdbAnnotationFileRead extends WfdbAnnotationFile {
  source: SourceFile;
}

// The pseudo-codes in the top 6 bits of an annotation word, which modify the time or the annotation before.
const SKIP = 59;
const NUM = 60;
const SUB = 61;
const CHN = 62;
const AUX = 63;

const signedByte = (value: number): number => ((value & 0xff) << 24) >> 24;

/**
 * Decodes a WFDB annotation file in MIT format: 16-bit little-endian words whose top 6 bits are the code and
 * low 10 bits the time since the previous annotation, with SKIP (a 32-bit interval), NUM, SUB, CHN and AUX
 * words, ending with a zero word. The leading block of NOTE annotations at sample 0 carries the file's
 * definitions (time resolution, custom codes): it is read and left out of the annotations, as are code-0
 * ("not an annotation") entries. Every read is checked against the length, so a truncated or corrupt file is
 * an error and never a read past the end.
 */
export function parseWfdbAnnotations(bytes: Uint8Array, filePath: string): WfdbAnnotationFile {
  const n = bytes.byteLength;
  const raw: (WfdbAnnotation & { code: number })[] = [];
  let pos = 0;
  let time = 0;
  let chan = 0;
  let num = 0;
  let current: (WfdbAnnotation & { code: number }) | undefined;
  const truncated = (what: string) =>
    badInput(`truncated or corrupt annotation file: ${what} at byte ${pos} of ${n}`, filePath);

  for (;;) {
    if (pos + 2 > n) throw truncated('the file ends without its end-of-file marker');
    const word = bytes[pos]! | (bytes[pos + 1]! << 8);
    pos += 2;
    if (word === 0) break;
    const code = word >> 10;
    const arg = word & 0x3ff;
    switch (code) {
      case SKIP: {
        if (pos + 4 > n) throw truncated('a SKIP interval is cut off');
        // PDP-11 order: the high 16-bit word first, each word little-endian.
        const high = bytes[pos]! | (bytes[pos + 1]! << 8);
        const low = bytes[pos + 2]! | (bytes[pos + 3]! << 8);
        time += (high << 16) | low | 0;
        pos += 4;
        break;
      }
      case NUM:
        num = signedByte(arg);
        if (current !== undefined) current.num = num;
        break;
      case SUB:
        if (current !== undefined) current.subtype = signedByte(arg);
        break;
      case CHN:
        chan = arg & 0xff;
        if (current !== undefined) current.chan = chan;
        break;
      case AUX: {
        const length = arg & 0xff;
        const padded = length + (length % 2);
        if (pos + padded > n) throw truncated(`an AUX string of ${length} bytes is cut off`);
        // WFDB writes C strings: a NUL that ends the text is not part of it ("(N\0" is the rhythm "(N").
        let end = pos + length;
        while (end > pos && bytes[end - 1] === 0) end--;
        const text = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
        pos += padded;
        if (current !== undefined) current.aux = text;
        break;
      }
      default: {
        time += arg;
        if (time < 0)
          throw badInput(`corrupt annotation file: annotation ${raw.length} lies before sample 0`, filePath);
        if (!Number.isSafeInteger(time))
          throw badInput(
            `corrupt annotation file: annotation ${raw.length} lies beyond sample 2^53`,
            filePath,
          );
        current = { sample: time, symbol: '', subtype: 0, chan, num, code };
        raw.push(current);
      }
    }
  }

  // The definitions block: NOTE annotations at sample 0 before any real annotation.
  let blockEnd = 0;
  while (blockEnd < raw.length && raw[blockEnd]!.sample === 0 && [0, NOTE_CODE].includes(raw[blockEnd]!.code))
    blockEnd++;
  const notes = raw.slice(0, blockEnd).filter((a) => a.code === NOTE_CODE && a.aux !== undefined);
  const result: WfdbAnnotationFile = { annotations: [], definitions: [] };
  let inDefinitions = false;
  for (const note of notes) {
    const text = (note.aux ?? '').replace(/[\r\n\0]+$/, '');
    const resolution = /^## time resolution: (\d+\.?\d*)/.exec(text);
    if (resolution?.[1] !== undefined) result.fs ??= Number(resolution[1]);
    else if (text === '## annotation type definitions') inDefinitions = true;
    else if (text === '## end of definitions') inDefinitions = false;
    else if (inDefinitions) {
      const match = /^(\d+) (\S+) (.+)$/.exec(text);
      if (match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined)
        result.definitions.push({ code: Number(match[1]), symbol: match[2], description: match[3] });
    }
  }
  const defined = new Map(result.definitions.map((d) => [d.code, d.symbol]));
  for (let i = blockEnd; i < raw.length; i++) {
    const annotation = raw[i]!;
    if (annotation.code === 0) continue;
    annotation.symbol = symbolForCode(annotation.code, defined);
    result.annotations.push(annotation);
  }
  return result;
}

/** Reads an annotation file with its SHA-256; see parseWfdbAnnotations. */
export function readWfdbAnnotationFile(filePath: string): WfdbAnnotationFileRead {
  const { bytes, source } = readSourceFile(filePath, 'annotation file');
  return { ...parseWfdbAnnotations(bytes, filePath), source };
}

export function readWfdbAnnotations(filePath: string): WfdbAnnotation[] {
  return readWfdbAnnotationFile(filePath).annotations;
}
