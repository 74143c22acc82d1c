import type { ApiClient } from './api/client.js';

/** What a gallery draws of each sample it shows: an image's thumbnail, or a beat's values for its strip. */
export interface SamplePreviews {
  images: boolean;
  png: ReadonlyMap<number, string>;
  values: ReadonlyMap<number, number[]>;
}

/**
 * The previews of some samples of a dataset, in one request: thumbnails from the engine for an image dataset
 * (PNG data addresses, the fitted pixels as the model sees them), the sample values for a beat's strip
 * otherwise. The error browser and the disagreement gallery both show their samples this way.
 */
export async function loadSamplePreviews(
  api: ApiClient,
  datasetId: string,
  images: boolean,
  indices: number[],
): Promise<{ ok: true; previews: SamplePreviews } | { ok: false; message: string }> {
  const empty = { images, png: new Map<number, string>(), values: new Map<number, number[]>() };
  if (indices.length === 0) return { ok: true, previews: empty };
  if (images) {
    const result = await api.call('images.thumbnails', { datasetId, indices });
    if (!result.ok) return { ok: false, message: result.error.message };
    return {
      ok: true,
      previews: { ...empty, png: new Map(result.value.images.map((t) => [t.index, t.png])) },
    };
  }
  const result = await api.call('datasets.samples', { datasetId, indices });
  if (!result.ok) return { ok: false, message: result.error.message };
  return {
    ok: true,
    previews: { ...empty, values: new Map(result.value.samples.map((s) => [s.index, s.values])) },
  };
}
