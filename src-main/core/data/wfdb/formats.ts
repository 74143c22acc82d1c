/**
 * The WFDB signal storage formats: how many bytes a run of samples takes and how to unpack it. A signal file
 * holds one stream of samples, frame after frame, each frame holding every signal of the file in header order
 * (samplesPerFrame samples each); the packed formats (212, 310, 311) pack that stream across frame boundaries.
 */
export interface FormatInfo {
  /** ADC resolution assumed when the header leaves it out or writes 0. */
  defaultResolution: number;
  /** Bytes needed to hold `count` consecutive samples of the stream. */
  bytesFor(count: number): number;
  /** How many whole samples `bytes` bytes hold. */
  samplesIn(bytes: number): number;
  /** Unpacks `count` samples from `data` starting at byte `start` (the caller has checked the length). */
  decode(data: Uint8Array, start: number, count: number, out: Int32Array): void;
  /** Format 8 stores first differences: the reader adds them up from the signal's initial value. */
  differences: boolean;
}

const fixedWidth = (
  width: number,
  defaultResolution: number,
  read: (d: Uint8Array, i: number) => number,
  differences = false,
): FormatInfo => ({
  defaultResolution,
  differences,
  bytesFor: (count) => count * width,
  samplesIn: (bytes) => Math.floor(bytes / width),
  decode(data, start, count, out) {
    for (let k = 0, i = start; k < count; k++, i += width) out[k] = read(data, i);
  },
});

/** Two 12-bit samples in three bytes: the low nibble of the middle byte belongs to the first. */
const format212: FormatInfo = {
  defaultResolution: 12,
  differences: false,
  bytesFor: (count) => Math.floor(count / 2) * 3 + (count % 2 === 1 ? 2 : 0),
  samplesIn: (bytes) => Math.floor(bytes / 3) * 2 + (bytes % 3 === 2 ? 1 : 0),
  decode(data, start, count, out) {
    let i = start;
    let k = 0;
    for (; k + 1 < count; k += 2, i += 3) {
      const b0 = data[i]!;
      const b1 = data[i + 1]!;
      const b2 = data[i + 2]!;
      out[k] = ((((b1 & 0x0f) << 8) | b0) << 20) >> 20;
      out[k + 1] = ((((b1 & 0xf0) << 4) | b2) << 20) >> 20;
    }
    if (k < count) out[k] = ((((data[i + 1]! & 0x0f) << 8) | data[i]!) << 20) >> 20;
  },
};

/**
 * Three 10-bit samples in two little-endian 16-bit words: bits 1-10 of each word hold the first two, and the
 * third is split over bits 11-15 of both words (low five bits in the first word). Bit 0 is unused.
 */
const format310: FormatInfo = {
  defaultResolution: 10,
  differences: false,
  bytesFor: (count) => Math.floor(count / 3) * 4 + [0, 2, 4][count % 3]!,
  samplesIn: (bytes) => Math.floor(bytes / 4) * 3 + [0, 0, 1, 1][bytes % 4]!,
  decode(data, start, count, out) {
    let i = start;
    let k = 0;
    for (; k + 2 < count; k += 3, i += 4) {
      const w0 = data[i]! | (data[i + 1]! << 8);
      const w1 = data[i + 2]! | (data[i + 3]! << 8);
      out[k] = (((w0 >> 1) & 0x3ff) << 22) >> 22;
      out[k + 1] = (((w1 >> 1) & 0x3ff) << 22) >> 22;
      out[k + 2] = ((((w0 >> 11) & 0x1f) | (((w1 >> 11) & 0x1f) << 5)) << 22) >> 22;
    }
    if (k < count) out[k] = ((((data[i]! | (data[i + 1]! << 8)) >> 1) & 0x3ff) << 22) >> 22;
    if (k + 1 < count) out[k + 1] = ((((data[i + 2]! | (data[i + 3]! << 8)) >> 1) & 0x3ff) << 22) >> 22;
  },
};

/** Three 10-bit samples in the low 30 bits of a little-endian 32-bit word, first sample lowest. */
const format311: FormatInfo = {
  defaultResolution: 10,
  differences: false,
  bytesFor: (count) => Math.floor(count / 3) * 4 + [0, 2, 3][count % 3]!,
  samplesIn: (bytes) => Math.floor(bytes / 4) * 3 + [0, 0, 1, 2][bytes % 4]!,
  decode(data, start, count, out) {
    let i = start;
    let k = 0;
    for (; k + 2 < count; k += 3, i += 4) {
      const w = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
      out[k] = ((w & 0x3ff) << 22) >> 22;
      out[k + 1] = (((w >> 10) & 0x3ff) << 22) >> 22;
      out[k + 2] = (((w >> 20) & 0x3ff) << 22) >> 22;
    }
    if (k < count) out[k] = (((data[i]! | (data[i + 1]! << 8)) & 0x3ff) << 22) >> 22;
    if (k + 1 < count) out[k + 1] = ((((data[i + 1]! | (data[i + 2]! << 8)) >> 2) & 0x3ff) << 22) >> 22;
  },
};

const FORMATS: Record<string, FormatInfo> = {
  '8': fixedWidth(1, 8, (d, i) => (d[i]! << 24) >> 24, true),
  '16': fixedWidth(2, 16, (d, i) => ((d[i]! | (d[i + 1]! << 8)) << 16) >> 16),
  '61': fixedWidth(2, 16, (d, i) => (((d[i]! << 8) | d[i + 1]!) << 16) >> 16),
  '80': fixedWidth(1, 8, (d, i) => d[i]! - 128),
  '160': fixedWidth(2, 16, (d, i) => (d[i]! | (d[i + 1]! << 8)) - 32768),
  '212': format212,
  '310': format310,
  '311': format311,
  '24': fixedWidth(3, 24, (d, i) => ((d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16)) << 8) >> 8),
  '32': fixedWidth(4, 32, (d, i) => d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)),
};

export const SUPPORTED_FORMATS = Object.keys(FORMATS);

export function formatInfo(format: string): FormatInfo | undefined {
  return Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
}
