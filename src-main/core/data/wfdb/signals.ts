import { isAbsolute, relative, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import { checkChecksum } from './checksum.js';
import { formatInfo, type FormatInfo } from './formats.js';
import type { WfdbHeader, WfdbSignalSpec } from './header.js';
import { readSourceFile, type SourceFile } from './source-file.js';

/** The signals of one signal file, in header order, with their position in the header and in the frame. */
interface FileGroup {
  fileName: string;
  path: string;
  format: string;
  info: FormatInfo;
  byteOffset: number;
  members: { index: number; spec: WfdbSignalSpec; offsetInFrame: number }[];
  /** Samples of all the file's signals in one frame. */
  frameSize: number;
  maxSkew: number;
}

/** Where a signal file named in a header lives; names that climb out of the record's folder are refused. */
export function signalFilePath(dir: string, fileName: string, headerPath: string): string {
  if (fileName === '' || fileName === '-' || isAbsolute(fileName))
    throw badInput(
      `the signal file name ${JSON.stringify(fileName)} is not a file in the record's folder`,
      headerPath,
    );
  const path = resolve(dir, fileName);
  const rel = relative(resolve(dir), path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw badInput(
      `the signal file name ${JSON.stringify(fileName)} points outside the record's folder`,
      headerPath,
    );
  return path;
}

/** Groups the header's signals by signal file (in order of first mention), checking what a file must share. */
export function groupSignalFiles(header: WfdbHeader, dir: string, headerPath: string): FileGroup[] {
  const groups = new Map<string, FileGroup>();
  header.signals.forEach((spec, index) => {
    let group = groups.get(spec.fileName);
    if (group === undefined) {
      const info = formatInfo(spec.format);
      if (info === undefined)
        throw badInput(`signal ${index} uses unsupported format ${spec.format}`, headerPath);
      group = {
        fileName: spec.fileName,
        path: signalFilePath(dir, spec.fileName, headerPath),
        format: spec.format,
        info,
        byteOffset: spec.byteOffset,
        members: [],
        frameSize: 0,
        maxSkew: 0,
      };
      groups.set(spec.fileName, group);
    }
    if (spec.format !== group.format)
      throw badInput(
        `signals ${group.members[0]?.index} and ${index} share ${spec.fileName} but have formats ` +
          `${group.format} and ${spec.format}; a signal file has one format`,
        headerPath,
      );
    if (spec.byteOffset !== group.byteOffset)
      throw badInput(`signals sharing ${spec.fileName} give different byte offsets`, headerPath);
    group.members.push({ index, spec, offsetInFrame: group.frameSize });
    group.frameSize += spec.samplesPerFrame;
    group.maxSkew = Math.max(group.maxSkew, spec.skew);
  });
  return [...groups.values()];
}

export interface WfdbSignalData {
  /** Frames read (the header's count, or inferred from the file sizes when the header has none). */
  frames: number;
  digital: Int32Array[];
  files: SourceFile[];
}

/**
 * Reads and unpacks every signal file of a record and verifies every signal's checksum. Each file's length is
 * checked against what the header promises before anything is decoded, so a truncated file is an error with
 * both sizes in its message, never a read past the end.
 */
export function readWfdbSignals(header: WfdbHeader, dir: string, headerPath: string): WfdbSignalData {
  const groups = groupSignalFiles(header, dir, headerPath);
  const loaded = groups.map((group) => ({ group, ...readSourceFile(group.path, 'signal file') }));

  let frames = header.samples;
  if (!header.samplesGiven && loaded.length > 0) {
    // No frame count in the header: as WFDB does, read up to the end of the shortest file.
    frames = Math.min(
      ...loaded.map(({ group, bytes }) => {
        const available = group.info.samplesIn(Math.max(0, bytes.byteLength - group.byteOffset));
        return Math.max(0, Math.floor(available / group.frameSize) - group.maxSkew);
      }),
    );
  }

  const digital: Int32Array[] = new Array<Int32Array>(header.signals.length);
  for (const { group, bytes } of loaded) {
    const storedFrames = frames + group.maxSkew;
    const count = storedFrames * group.frameSize;
    const needed = group.byteOffset + group.info.bytesFor(count);
    if (bytes.byteLength < needed) {
      const skewNote = group.maxSkew > 0 ? ` (including ${group.maxSkew} frames of skew)` : '';
      throw badInput(
        `truncated signal file: the header promises ${frames} frames of ${group.frameSize} format-${group.format} ` +
          `samples${skewNote}, which need ${needed} bytes, but the file has ${bytes.byteLength}`,
        group.path,
      );
    }
    const stream = new Int32Array(count);
    group.info.decode(bytes, group.byteOffset, count, stream);
    for (const { index, spec, offsetInFrame } of group.members) {
      digital[index] = extractSignal(stream, group, spec, offsetInFrame, storedFrames, frames);
    }
  }

  header.signals.forEach((spec, index) => {
    const samples = digital[index]!;
    const check = checkChecksum(samples, spec.checksum);
    if (!check.ok) {
      const file = loaded.find((l) => l.group.fileName === spec.fileName)?.group.path ?? spec.fileName;
      throw badInput(
        `checksum mismatch for signal ${index} (${spec.name}): the header (${headerPath}) says ${spec.checksum}, ` +
          `the samples sum to ${check.actual} modulo 2^16; the file is corrupt or does not belong to this header`,
        file,
      );
    }
  });
  return { frames, digital, files: loaded.map((l) => l.source) };
}

/** Takes one signal's samples out of the interleaved stream, adding up differences (format 8) and applying skew. */
function extractSignal(
  stream: Int32Array,
  group: FileGroup,
  spec: WfdbSignalSpec,
  offsetInFrame: number,
  storedFrames: number,
  frames: number,
): Int32Array {
  const spf = spec.samplesPerFrame;
  const all = new Int32Array(storedFrames * spf);
  const frameSize = group.frameSize;
  if (spf === 1) {
    for (let f = 0, i = offsetInFrame; f < storedFrames; f++, i += frameSize) all[f] = stream[i]!;
  } else {
    for (let f = 0; f < storedFrames; f++) {
      const from = f * frameSize + offsetInFrame;
      all.set(stream.subarray(from, from + spf), f * spf);
    }
  }
  if (group.info.differences) {
    let value = spec.initialValue;
    for (let i = 0; i < all.length; i++) {
      value = (value + all[i]!) | 0;
      all[i] = value;
    }
  }
  // A skew of k means the signal's sample i was stored k frames later.
  const start = spec.skew * spf;
  return start === 0 && storedFrames === frames ? all : all.slice(start, start + frames * spf);
}

export function signalFileNames(header: WfdbHeader): string[] {
  return [...new Set(header.signals.map((s) => s.fileName))];
}
