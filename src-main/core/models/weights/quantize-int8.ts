import { AttestError, badInput } from '../../errors.js';

/**
 * Symmetric per-channel int8 quantization: each channel along `axis` (default: the last one, the output
 * channels of Conv and Dense kernels) gets scale = maxAbs / 127 and values q = round(v / scale) in [-127, 127].
 * Symmetric (no zero point) so that an exact zero stays exactly zero: pruned weights keep their sparsity.
 * A channel of all zeros gets scale 0 and q = 0, which dequantizes to exact zeros.
 */
export interface QuantizedChannels {
  q: Int8Array;
  scales: Float32Array;
}

const INT8_LIMIT = 127;

export function quantizeSymmetricPerChannel(
  values: Float32Array,
  shape: number[],
  axis?: number,
): QuantizedChannels {
  const { channels, inner } = channelLayout(shape, axis, values.length);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value))
      throw badInput(`cannot quantize a non-finite weight (${value}) at element ${i}`);
    const channel = Math.floor(i / inner) % channels;
    const magnitude = Math.abs(value);
    if (magnitude > (maxAbs[channel] as number)) maxAbs[channel] = magnitude;
  }
  // Scales are rounded to float32 first, and q is computed against the stored scale, so that the error bound
  // |v - q * scale| <= scale / 2 holds for what a reader will actually compute.
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = (maxAbs[c] as number) / INT8_LIMIT;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const scale = scales[Math.floor(i / inner) % channels] as number;
    if (scale === 0) continue; // all-zero channel (or float32 underflow): q stays 0
    const level = Math.round((values[i] as number) / scale);
    q[i] = Math.max(-INT8_LIMIT, Math.min(INT8_LIMIT, level));
  }
  return { q, scales };
}

export function dequantizeSymmetricPerChannel(
  q: Int8Array,
  scales: Float32Array,
  shape: number[],
  axis?: number,
): Float32Array {
  const { channels, inner } = channelLayout(shape, axis, q.length);
  if (scales.length !== channels)
    throw new AttestError(
      'INTERNAL',
      `expected ${channels} scales for shape [${shape.join(', ')}], got ${scales.length}`,
    );
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++)
    out[i] = (q[i] as number) * (scales[Math.floor(i / inner) % channels] as number);
  return out;
}

/** The tensor seen as [outer, channels, inner] around the channel axis (row-major). */
function channelLayout(
  shape: number[],
  axis: number | undefined,
  length: number,
): { channels: number; inner: number } {
  const rank = shape.length;
  const resolved = axis === undefined ? rank - 1 : axis < 0 ? rank + axis : axis;
  if (rank === 0 || !Number.isInteger(resolved) || resolved < 0 || resolved >= rank)
    throw new AttestError('INTERNAL', `axis ${String(axis)} is out of range for shape [${shape.join(', ')}]`);
  const size = shape.reduce((product, dim) => product * dim, 1);
  if (size !== length)
    throw new AttestError(
      'INTERNAL',
      `shape [${shape.join(', ')}] has ${size} elements but the array has ${length}`,
    );
  const channels = shape[resolved] as number;
  const inner = shape.slice(resolved + 1).reduce((product, dim) => product * dim, 1);
  // For an empty tensor channels or inner may be 0, but then no element loop runs to divide by them.
  return { channels, inner };
}
