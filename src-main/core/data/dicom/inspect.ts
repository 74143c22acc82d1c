import { basename } from 'node:path';
import { readDicomImage } from './read-dicom.js';
import { withheldIdentifiers } from './dicom-file.js';

function stats(values: ArrayLike<number>): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: values.length > 0 ? sum / values.length : NaN };
}

/**
 * What `attest inspect FILE.dcm` shows: transfer syntax, image pixel attributes, laterality and view, the display
 * steps applied, and pixel statistics of the stored values and of the displayed image ([0, 1] after the LUTs,
 * window and MONOCHROME1 inversion). Patient and study identifiers are withheld unless asked for.
 */
export async function inspectDicom(
  path: string,
  options: { showIdentifiers?: boolean; frame?: number } = {},
) {
  const { dicom, stored, image } = await readDicomImage(
    path,
    options.frame !== undefined ? { frame: options.frame } : {},
  );
  const { layout, description, display } = dicom;
  return {
    file: basename(path),
    format: 'DICOM',
    transferSyntax: { uid: dicom.transferSyntax.uid, name: dicom.transferSyntax.name },
    ...description,
    rows: layout.rows,
    columns: layout.columns,
    frames: layout.frames,
    samplesPerPixel: layout.samplesPerPixel,
    bitsAllocated: layout.bitsAllocated,
    bitsStored: layout.bitsStored,
    highBit: layout.highBit,
    pixelRepresentation: layout.pixelRepresentation,
    rescale: { slope: display.rescaleSlope, intercept: display.rescaleIntercept },
    ...(display.modalityLut !== undefined
      ? {
          modalityLut: {
            entries: display.modalityLut.data.length,
            firstMapped: display.modalityLut.firstMapped,
            bits: display.modalityLut.bits,
          },
        }
      : {}),
    ...(display.windowCenter !== undefined && display.windowWidth !== undefined
      ? {
          window: {
            center: display.windowCenter,
            width: display.windowWidth,
            function: display.voiLutFunction,
          },
        }
      : {}),
    ...(display.voiLut !== undefined
      ? {
          voiLut: {
            entries: display.voiLut.data.length,
            firstMapped: display.voiLut.firstMapped,
            bits: display.voiLut.bits,
          },
        }
      : {}),
    display: image.steps,
    pixels: {
      frame: options.frame ?? 0,
      stored: stats(stored.values),
      displayed: stats(image.data),
    },
    identifiers:
      options.showIdentifiers === true ? dicom.identifiers : withheldIdentifiers(dicom.identifiers),
  };
}
