import { badInput } from '../../errors.js';

/**
 * Sparse weight storage: a bitmap with one bit per element (1 = stored, least significant bit first), then
 * the stored elements in order. A pruned kernel is then physically smaller on disk, not only once gzipped:
 * at 90% sparsity an int8 kernel takes 0.225 bytes per weight instead of 1, a float32 one 0.525 instead of 4.
 * An element is "zero" when all its bytes are zero (+0.0, or int8 0), so decoding restores the exact bytes.
 */
export function bitmapBytes(count: number, nonzero: number, width: number): number {
  return Math.ceil(count / 8) + nonzero * width;
}

/** The sparse form of dense bytes (count elements of `width` bytes), or undefined if it would not be smaller. */
export function encodeBitmap(
  dense: Uint8Array,
  width: number,
): { bytes: Uint8Array; nonzero: number } | undefined {
  const count = dense.byteLength / width;
  let nonzero = 0;
  const isNonzero = (i: number): boolean => {
    for (let b = 0; b < width; b++) if (dense[i * width + b] !== 0) return true;
    return false;
  };
  for (let i = 0; i < count; i++) if (isNonzero(i)) nonzero++;
  const size = bitmapBytes(count, nonzero, width);
  // Only worth it when clearly smaller: a dense kernel stays dense (and readable without the bitmap step).
  if (size > 0.9 * dense.byteLength) return undefined;
  const out = new Uint8Array(size);
  let position = Math.ceil(count / 8);
  for (let i = 0; i < count; i++) {
    if (!isNonzero(i)) continue;
    out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
    out.set(dense.subarray(i * width, (i + 1) * width), position);
    position += width;
  }
  return { bytes: out, nonzero };
}

/** Dense bytes back from the sparse form; a bitmap that disagrees with the declared count is refused. */
export function decodeBitmap(
  sparse: Uint8Array,
  count: number,
  width: number,
  nonzero: number,
  name: string,
): Uint8Array {
  const dense = new Uint8Array(count * width);
  let position = Math.ceil(count / 8);
  let seen = 0;
  for (let i = 0; i < count; i++) {
    if (((sparse[i >> 3] as number) & (1 << (i & 7))) === 0) continue;
    if (++seen > nonzero) break;
    dense.set(sparse.subarray(position, position + width), i * width);
    position += width;
  }
  if (seen !== nonzero)
    throw badInput(
      `weight ${name}: the sparse bitmap marks ${seen > nonzero ? 'more' : seen} elements, the header ${nonzero}`,
    );
  return dense;
}
