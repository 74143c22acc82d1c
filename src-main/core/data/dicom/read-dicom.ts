import { readFileSync } from 'node:fs';
import { badInput } from '../../errors.js';
import { parseDicomFile, type DicomFile } from './dicom-file.js';
import { decodeStoredFrame, type StoredFrame } from './pixel-data.js';
import { displayFrame, type DisplayImage } from './display.js';

export interface DicomImage {
  dicom: DicomFile;
  stored: StoredFrame;
  image: DisplayImage;
}

/** Reads a DICOM file from disk and decodes one frame through the display pipeline. */
export async function readDicomImage(
  path: string,
  options: { frame?: number; bytes?: Uint8Array; window?: { center: number; width: number } } = {},
): Promise<DicomImage> {
  let bytes = options.bytes;
  if (bytes === undefined) {
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw badInput(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`, path);
    }
  }
  const dicom = parseDicomFile(bytes, path);
  const stored = await decodeStoredFrame(dicom, options.frame ?? 0);
  return { dicom, stored, image: displayFrame(dicom, stored, options.window) };
}

/** Whether a file starts like DICOM Part 10 (the "DICM" magic after the preamble). */
export function looksLikeDicom(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}
