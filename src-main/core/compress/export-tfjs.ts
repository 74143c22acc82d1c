import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  parseModelArtifact,
  elementCount,
  elementWidth,
  weightByteLength,
  type WeightSpec,
} from '../models/artifact-header.js';
import { decodeBitmap } from '../models/weights/sparse-bitmap.js';
import { dequantizeSymmetricPerChannel } from '../models/weights/quantize-int8.js';
import { decodeFloat16, encodeFloat16 } from '../models/weights/float16.js';
import { badInput } from '../errors.js';

/**
 * Export in the TF.js layers format (model.json + binary weight shards), the format `tf.loadLayersModel` reads
 * in a browser or in Node. Weights are written as the model stores them where TF.js can read that: float32,
 * float16 (TF.js "float16" quantization), and int8 kernels as TF.js "uint8" affine quantization (per tensor,
 * with zero exactly representable so that pruned weights stay zero; TF.js has no per-channel scheme, so the
 * rounding differs slightly from Attest's per-channel int8: the largest difference is reported).
 */
export type ExportWeights = 'stored' | 'float32' | 'float16' | 'uint8';

export interface ExportResult {
  dir: string;
  files: { name: string; bytes: number }[];
  totalBytes: number;
  weights: { name: string; dtype: string }[];
  /** Largest |exported - stored| weight difference (0 when the stored values are written exactly). */
  maxWeightDifference: number;
}

const SHARD_BYTES = 4 * 1024 * 1024;

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'uint8' | 'float16'; scale?: number; min?: number };
}

export function exportTfjsLayers(
  artifact: Uint8Array,
  outDir: string,
  options: { weights?: ExportWeights; generatedBy?: string; meta?: Record<string, unknown> } = {},
): ExportResult {
  const dir = resolve(outDir);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0))
    throw badInput(`${dir} exists and is not an empty folder; export into a new or empty folder`, dir);
  const { header, dataStart } = parseModelArtifact(artifact, 'model artifact');
  const mode = options.weights ?? 'stored';
  const entries: ManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let position = dataStart;
  let maxDifference = 0;
  for (const spec of header.weightSpecs) {
    const stored = readStored(artifact, position, spec);
    position += weightByteLength(spec);
    const target = mode === 'stored' ? (spec.dtype === 'int8' ? 'uint8' : spec.dtype) : mode;
    if (target === 'float16') {
      const half = encodeFloat16(stored);
      maxDifference = Math.max(maxDifference, maxAbsDifference(stored, decodeFloat16(half)));
      entries.push({
        name: spec.name,
        shape: spec.shape,
        dtype: 'float32',
        quantization: { dtype: 'float16' },
      });
      chunks.push(new Uint8Array(half.buffer));
    } else if (target === 'uint8' && spec.shape.length >= 2) {
      const { q, scale, min } = affineUint8(stored);
      const decoded = Float32Array.from(q, (v) => v * scale + min);
      maxDifference = Math.max(maxDifference, maxAbsDifference(stored, decoded));
      entries.push({
        name: spec.name,
        shape: spec.shape,
        dtype: 'float32',
        quantization: { dtype: 'uint8', scale, min },
      });
      chunks.push(q);
    } else {
      entries.push({ name: spec.name, shape: spec.shape, dtype: 'float32' });
      chunks.push(new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength));
    }
  }
  const data = concat(chunks);
  const shardCount = Math.max(1, Math.ceil(data.byteLength / SHARD_BYTES));
  const paths = Array.from({ length: shardCount }, (_, i) => `group1-shard${i + 1}of${shardCount}.bin`);
  const modelJson = {
    format: 'layers-model',
    generatedBy: options.generatedBy ?? 'Attest',
    convertedBy: null,
    modelTopology: header.modelTopology,
    weightsManifest: [{ paths, weights: entries }],
    userDefinedMetadata: { attest: options.meta ?? header.meta },
  };
  // Written into a temporary sibling folder, then renamed: an interrupted export leaves no half model behind.
  mkdirSync(dirname(dir), { recursive: true });
  const temporary = join(dirname(dir), `.${basename(dir)}.${randomBytes(4).toString('hex')}.partial`);
  mkdirSync(temporary);
  try {
    const files: { name: string; bytes: number }[] = [];
    paths.forEach((name, i) => {
      const shard = data.subarray(i * SHARD_BYTES, Math.min(data.byteLength, (i + 1) * SHARD_BYTES));
      writeFileSync(join(temporary, name), shard);
      files.push({ name, bytes: shard.byteLength });
    });
    const json = JSON.stringify(modelJson);
    writeFileSync(join(temporary, 'model.json'), json);
    files.unshift({ name: 'model.json', bytes: Buffer.byteLength(json) });
    if (existsSync(dir)) rmSync(dir, { recursive: true });
    renameSync(temporary, dir);
    return {
      dir,
      files,
      totalBytes: files.reduce((sum, f) => sum + f.bytes, 0),
      weights: entries.map((e) => ({ name: e.name, dtype: e.quantization?.dtype ?? 'float32' })),
      maxWeightDifference: maxDifference,
    };
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** The weight as float32, exactly as Attest loads it. */
function readStored(bytes: Uint8Array, position: number, spec: WeightSpec): Float32Array {
  const n = elementCount(spec.shape);
  const stored = bytes.subarray(position, position + weightByteLength(spec));
  const raw =
    spec.sparse === undefined
      ? stored
      : decodeBitmap(stored, n, elementWidth(spec), spec.sparse.nonzero, spec.name);
  if (spec.dtype === 'int8' && spec.quantization !== undefined) {
    const q = Int8Array.from(raw.subarray(0, n), (b) => (b << 24) >> 24);
    return dequantizeSymmetricPerChannel(
      q,
      Float32Array.from(spec.quantization.scales),
      spec.shape,
      spec.quantization.axis,
    );
  }
  if (spec.dtype === 'float16') {
    const half = new Uint16Array(n);
    new Uint8Array(half.buffer).set(raw.subarray(0, 2 * n));
    return decodeFloat16(half);
  }
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(raw.subarray(0, 4 * n));
  return out;
}

/** uint8 affine quantization (v = q * scale + min) with min nudged so that 0 is a level exactly. */
export function affineUint8(values: Float32Array): { q: Uint8Array; scale: number; min: number } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.round(-lo / scale);
  const min = -zeroPoint * scale;
  const q = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++)
    q[i] = Math.max(0, Math.min(255, Math.round(((values[i] as number) - min) / scale)));
  return { q, scale, min };
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
