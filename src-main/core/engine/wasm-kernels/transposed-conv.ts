import { tf } from '../tf.js';
import type { WasmKernelCalls } from './kernel-calls.js';

/**
 * The input gradient of a convolution is a "transposed" convolution of the output gradient dy:
 *   dx[b, h, w, c] = sum over taps (i, j) of dyz[b, h + pt - i*dh, w + pl - j*dw, :] . W[i, j, c, :]
 * where dyz is dy with stride-1 zeros between its rows and columns. With the filter flipped in both spatial
 * axes this is a plain forward correlation, at the same dilation and stride 1, over dyz framed by
 * (effective filter size - 1 - pad) zeros before it: then the backend's fast forward kernels can run it.
 *
 * Returns dyz framed to [batch, inHeight + effectiveFilterHeight - 1, inWidth + effectiveFilterWidth - 1, C].
 */
export function frameOutputGradient(
  calls: WasmKernelCalls,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const {
    batchSize,
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    outChannels,
    strideHeight,
    strideWidth,
    padInfo,
  } = info;
  const { effectiveFilterHeight, effectiveFilterWidth } = info;
  let spread = dy;
  if (strideHeight > 1 || strideWidth > 1) {
    // [b, oh, 1, ow, 1, C] padded to [b, oh, sh, ow, sw, C] is dy spread sh x sw apart.
    const lifted = calls.reshape(dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
    const stuffed = calls.pad(lifted, [
      [0, 0],
      [0, 0],
      [0, strideHeight - 1],
      [0, 0],
      [0, strideWidth - 1],
      [0, 0],
    ]);
    spread = calls.reshape(stuffed, [
      batchSize,
      outHeight * strideHeight,
      outWidth * strideWidth,
      outChannels,
    ]);
  }
  const framedHeight = inHeight + effectiveFilterHeight - 1;
  const framedWidth = inWidth + effectiveFilterWidth - 1;
  const top = effectiveFilterHeight - 1 - padInfo.top;
  const left = effectiveFilterWidth - 1 - padInfo.left;
  const bottom = framedHeight - top - (spread.shape[1] as number);
  const right = framedWidth - left - (spread.shape[2] as number);
  const framed = calls.pad(spread, [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ]);
  if (top >= 0 && bottom >= 0 && left >= 0 && right >= 0) return framed;
  // Explicit padding larger than the filter: output rows that saw only padding never reach dx, so crop them.
  return calls.run(
    'Slice',
    { x: framed },
    {
      begin: [0, Math.max(0, -top), Math.max(0, -left), 0],
      size: [batchSize, framedHeight, framedWidth, outChannels],
    },
  );
}

/** The filter flipped in both spatial axes, the kernel of the correlation above. */
export function flipFilter(calls: WasmKernelCalls, filter: tf.TensorInfo): tf.TensorInfo {
  return calls.run('Reverse', { x: filter }, { dims: [0, 1] });
}
