import type { DicomFile, DicomLut } from './dicom-file.js';
import type { StoredFrame } from './pixel-data.js';

/** Which steps turned stored values into the displayed image, for inspect output and dataset provenance. */
export interface DisplaySteps {
  modality: 'modality-lut' | 'rescale' | 'none';
  voi: 'voi-lut' | 'window' | 'min-max' | 'none';
  window?: { center: number; width: number; function: string };
  inverted: boolean;
}

export interface DisplayImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Displayed intensities in [0, 1], channels interleaved. */
  data: Float32Array;
  steps: DisplaySteps;
}

function applyLut(value: number, lut: DicomLut): number {
  const index = Math.round(value) - lut.firstMapped;
  const last = lut.data.length - 1;
  return lut.data[index < 0 ? 0 : index > last ? last : index] as number;
}

function lutMaximum(lut: DicomLut): number {
  // Some writers declare 16 bits for 8-bit tables (or the reverse); trust the values when they disagree.
  const declared = 2 ** lut.bits - 1;
  let max = 0;
  for (const v of lut.data) if (v > max) max = v;
  return max > declared ? 2 ** Math.ceil(Math.log2(max + 1)) - 1 : declared;
}

/**
 * The greyscale display pipeline of PS3.3 C.11: Modality LUT (or rescale slope and intercept), then the VOI LUT
 * or the window (LINEAR, LINEAR_EXACT, SIGMOID), then MONOCHROME1 inversion, giving [0, 1]. Without a VOI the
 * full range of the modality values is used. Colour images are scaled by their bit depth only.
 */
export function displayFrame(
  dicom: DicomFile,
  frame: StoredFrame,
  override?: { center: number; width: number },
): DisplayImage {
  const { display, layout } = dicom;
  const n = frame.rows * frame.columns;
  if (frame.samplesPerPixel === 3) {
    const data = new Float32Array(n * 3);
    const scale = 2 ** layout.bitsStored - 1;
    const ybr =
      layout.photometric.startsWith('YBR_FULL') && ['native', 'rle'].includes(dicom.transferSyntax.codec);
    for (let i = 0; i < n; i++) {
      let r = (frame.values[i * 3] as number) / scale;
      let g = (frame.values[i * 3 + 1] as number) / scale;
      let b = (frame.values[i * 3 + 2] as number) / scale;
      if (ybr) {
        const [y, cb, cr] = [r, g - 0.5, b - 0.5];
        [r, g, b] = [y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb];
      }
      data[i * 3] = Math.min(1, Math.max(0, r));
      data[i * 3 + 1] = Math.min(1, Math.max(0, g));
      data[i * 3 + 2] = Math.min(1, Math.max(0, b));
    }
    return {
      width: frame.columns,
      height: frame.rows,
      channels: 3,
      data,
      steps: { modality: 'none', voi: 'none', inverted: false },
    };
  }
  const modality = new Float64Array(n);
  const modalityLut = display.modalityLut;
  for (let i = 0; i < n; i++) {
    const v = frame.values[i] as number;
    modality[i] =
      modalityLut !== undefined
        ? applyLut(v, modalityLut)
        : v * display.rescaleSlope + display.rescaleIntercept;
  }
  const steps: DisplaySteps = {
    modality:
      modalityLut !== undefined
        ? 'modality-lut'
        : display.rescaleSlope !== 1 || display.rescaleIntercept !== 0
          ? 'rescale'
          : 'none',
    voi: 'min-max',
    inverted: layout.photometric === 'MONOCHROME1',
  };
  const data = new Float32Array(n);
  const center = override?.center ?? display.windowCenter;
  const width = override?.width ?? display.windowWidth;
  if (override === undefined && display.voiLut !== undefined) {
    steps.voi = 'voi-lut';
    const lut = display.voiLut;
    const max = lutMaximum(lut);
    for (let i = 0; i < n; i++) data[i] = applyLut(modality[i] as number, lut) / max;
  } else if (center !== undefined && width !== undefined) {
    steps.voi = 'window';
    const fn = override !== undefined ? 'LINEAR' : display.voiLutFunction;
    steps.window = { center, width, function: fn };
    for (let i = 0; i < n; i++) data[i] = windowValue(modality[i] as number, center, width, fn);
  } else {
    let min = Infinity;
    let max = -Infinity;
    for (const v of modality) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = max > min ? max - min : 1;
    for (let i = 0; i < n; i++) data[i] = ((modality[i] as number) - min) / range;
  }
  if (steps.inverted) for (let i = 0; i < n; i++) data[i] = 1 - (data[i] as number);
  return { width: frame.columns, height: frame.rows, channels: 1, data, steps };
}

/** PS3.3 C.11.2.1.2: the window functions, to [0, 1]. */
export function windowValue(x: number, center: number, width: number, fn: string): number {
  if (fn === 'SIGMOID') return 1 / (1 + Math.exp((-4 * (x - center)) / width));
  if (fn === 'LINEAR_EXACT') {
    if (x <= center - width / 2) return 0;
    if (x > center + width / 2) return 1;
    return (x - center) / width + 0.5;
  }
  if (x <= center - 0.5 - (width - 1) / 2) return 0;
  if (x > center - 0.5 + (width - 1) / 2) return 1;
  return (x - (center - 0.5)) / (width - 1) + 0.5;
}
