/**
 * How a preview tile of `images.preview` is drawn: its pixels are 16-bit steps between `min` and `max`
 * (modality values for DICOM greyscale), so the UI can apply any window without asking the engine again. Pure
 * functions of the contract's own encoding, shared by the renderer and the tests (no Node, no DOM).
 */

export interface TileLike {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: string;
  min: number;
  max: number;
  dicom: { window: { center: number; width: number } | null; inverted: boolean } | null;
}

export interface DicomWindow {
  center: number;
  width: number;
}

/** The tile's values (modality units for DICOM greyscale, else intensities in [0, 1]), channels interleaved. */
export function tileValues(tile: TileLike): Float32Array {
  const binary = atob(tile.pixels);
  const count = binary.length >> 1;
  const out = new Float32Array(count);
  const step = (tile.max - tile.min) / 65535;
  for (let i = 0; i < count; i++) {
    const word = binary.charCodeAt(2 * i) | (binary.charCodeAt(2 * i + 1) << 8);
    out[i] = tile.min + word * step;
  }
  return out;
}

/**
 * The LINEAR window of DICOM PS3.3 C.11.2.1.2, to [0, 1]: the function the core applies to a window chosen by the
 * user (`--window`, core/data/dicom/display.ts), so the preview shows what the import will store.
 */
export function windowLinear(x: number, center: number, width: number): number {
  if (x <= center - 0.5 - (width - 1) / 2) return 0;
  if (x > center - 0.5 + (width - 1) / 2) return 1;
  return (x - (center - 0.5)) / (width - 1) + 0.5;
}

/** The window a tile opens with: its file's own, else its full range of values. */
export function defaultWindow(tile: TileLike): DicomWindow {
  if (tile.dicom?.window != null) return tile.dicom.window;
  return { center: (tile.min + tile.max) / 2, width: Math.max(1, tile.max - tile.min) };
}

/** Displayed intensities in [0, 1]: DICOM greyscale through the window, then MONOCHROME1 inverted. */
export function tileIntensities(tile: TileLike, window?: DicomWindow): Float32Array {
  const values = tileValues(tile);
  if (tile.dicom === null) return values;
  const w = window ?? defaultWindow(tile);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = windowLinear(values[i] as number, w.center, Math.max(1, w.width));
    out[i] = tile.dicom.inverted ? 1 - v : v;
  }
  return out;
}

/** RGBA bytes for a canvas of the tile's size. */
export function tileRgba(tile: TileLike, window?: DicomWindow): Uint8ClampedArray {
  const intensities = tileIntensities(tile, window);
  const n = tile.width * tile.height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++)
      rgba[i * 4 + k] = Math.round(255 * (intensities[tile.channels === 3 ? i * 3 + k : i] as number));
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
