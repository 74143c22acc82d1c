/** An image decoded to intensities in [0, 1], channels interleaved (1 grey, 3 RGB). */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
  /** Bits per sample in the source (8, 16, 10 for some DICOM...), for provenance. */
  bitDepth: number;
}

/** Grey from RGB by ITU-R BT.601 luma; RGB from grey by repetition. */
export function withChannels(image: DecodedImage, channels: 1 | 3): DecodedImage {
  if (image.channels === channels) return image;
  const n = image.width * image.height;
  const data = new Float32Array(n * channels);
  if (channels === 1) {
    for (let i = 0; i < n; i++)
      data[i] =
        0.299 * (image.data[i * 3] as number) +
        0.587 * (image.data[i * 3 + 1] as number) +
        0.114 * (image.data[i * 3 + 2] as number);
  } else {
    for (let i = 0; i < n; i++) {
      const v = image.data[i] as number;
      data[i * 3] = v;
      data[i * 3 + 1] = v;
      data[i * 3 + 2] = v;
    }
  }
  return { ...image, channels, data };
}
