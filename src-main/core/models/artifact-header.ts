import { badInput } from '../errors.js';

/**
 * The model artifact container: magic "ATTESTM1", uint32 LE header length, UTF-8 JSON header, then the weight
 * bytes in header order with no padding: float32 little-endian (tfjs's own layout on every platform Attest
 * runs on), or int8 for quantized kernels. This file reads and checks the container; artifact.ts turns it
 * into a model and back.
 */
export const MODEL_ARTIFACT_MAGIC = 'ATTESTM1';
export const MODEL_ARTIFACT_VERSION = 1;
export const PREFIX_BYTES = 12;

export interface WeightQuantization {
  scheme: 'symmetric-per-channel';
  axis: number;
  scales: number[];
}

export interface WeightSpec {
  name: string;
  shape: number[];
  /** float16: IEEE half precision, little-endian, 2 bytes per weight (quant:float16). */
  dtype: 'float32' | 'int8' | 'float16';
  quantization?: WeightQuantization;
  /** Pruned kernels: a bitmap of the nonzero elements, then only those (models/weights/sparse-bitmap.ts). */
  sparse?: { format: 'bitmap'; nonzero: number };
}

export interface ModelArtifactHeader {
  version: 1;
  /** The tfjs-layers model JSON (`model.toJSON(null, false)`), as written by the layers save path. */
  modelTopology: unknown;
  weightSpecs: WeightSpec[];
  /** Loss, metrics and optimizer config when the model was compiled with serializable ones (informative:
   * decodeModelArtifact returns an uncompiled model). */
  trainingConfig?: unknown;
  meta: Record<string, unknown>;
}

export function elementCount(shape: number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

export function elementWidth(spec: WeightSpec): number {
  return spec.dtype === 'int8' ? 1 : spec.dtype === 'float16' ? 2 : 4;
}

export function weightByteLength(spec: WeightSpec): number {
  if (spec.sparse !== undefined)
    return Math.ceil(elementCount(spec.shape) / 8) + spec.sparse.nonzero * elementWidth(spec);
  return elementCount(spec.shape) * elementWidth(spec);
}

/** Reads and checks the header, including that the weight bytes that follow have exactly the declared size. */
export function readModelArtifactHeader(
  bytes: Uint8Array,
  sourceName = 'model artifact',
): ModelArtifactHeader {
  return parseModelArtifact(bytes, sourceName).header;
}

export function parseModelArtifact(
  bytes: Uint8Array,
  sourceName = 'model artifact',
): { header: ModelArtifactHeader; dataStart: number } {
  const fail = (problem: string): never => {
    throw badInput(problem, sourceName);
  };
  if (bytes.byteLength < PREFIX_BYTES)
    fail(`truncated: ${bytes.byteLength} bytes is too short for a model artifact`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MODEL_ARTIFACT_MAGIC)
    fail(`not an Attest model artifact (expected magic ${MODEL_ARTIFACT_MAGIC})`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const dataStart = PREFIX_BYTES + headerLength;
  if (dataStart > bytes.byteLength)
    fail(
      `truncated: the header needs ${headerLength} bytes but only ${bytes.byteLength - PREFIX_BYTES} follow`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, dataStart)),
    );
  } catch {
    return fail('the header is not valid UTF-8 JSON');
  }
  const header = checkHeader(parsed, fail);
  const declared = header.weightSpecs.reduce((sum, spec) => sum + weightByteLength(spec), 0);
  const present = bytes.byteLength - dataStart;
  if (present < declared)
    fail(`truncated: the header declares ${declared} bytes of weights but ${present} follow`);
  if (present > declared)
    fail(`${present - declared} unexpected bytes after the ${declared} bytes of weights`);
  return { header, dataStart };
}

function checkHeader(value: unknown, fail: (problem: string) => never): ModelArtifactHeader {
  if (!isRecord(value)) return fail('the header is not a JSON object');
  if (value.version !== MODEL_ARTIFACT_VERSION)
    fail(`format version ${JSON.stringify(value.version)} is not supported (this build reads version 1)`);
  if (!isRecord(value.modelTopology)) fail('the header has no modelTopology object');
  if (!isRecord(value.meta)) fail('the header has no meta object');
  if (value.trainingConfig !== undefined && !isRecord(value.trainingConfig))
    fail('the header trainingConfig is not an object');
  if (!Array.isArray(value.weightSpecs)) return fail('the header has no weightSpecs array');
  const names = new Set<string>();
  value.weightSpecs.forEach((spec: unknown, index) => {
    checkWeightSpec(spec, (problem) => fail(`weightSpecs[${index}]: ${problem}`));
    const { name } = spec as WeightSpec;
    if (names.has(name)) fail(`weight ${name} is listed twice`);
    names.add(name);
  });
  return value as unknown as ModelArtifactHeader;
}

function checkWeightSpec(spec: unknown, fail: (problem: string) => never): void {
  if (!isRecord(spec)) return fail('not an object');
  if (typeof spec.name !== 'string' || spec.name === '') fail('name is not a non-empty string');
  const shape = spec.shape;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0))
    return fail('shape is not an array of non-negative integers');
  if (!Number.isSafeInteger(elementCount(shape as number[]) * 4)) fail('shape is too large');
  if (spec.sparse !== undefined) {
    const sparse = spec.sparse as Record<string, unknown> | null;
    const nonzero = sparse?.['nonzero'];
    if (
      sparse === null ||
      typeof sparse !== 'object' ||
      sparse['format'] !== 'bitmap' ||
      !Number.isSafeInteger(nonzero) ||
      (nonzero as number) < 0 ||
      (nonzero as number) > elementCount(shape as number[])
    )
      fail('sparse is not {format: "bitmap", nonzero: a count within the shape}');
  }
  if (spec.dtype === 'float32' || spec.dtype === 'float16') {
    if (spec.quantization !== undefined) fail(`a ${spec.dtype} weight cannot carry quantization`);
    return;
  }
  if (spec.dtype !== 'int8')
    return fail(`dtype ${JSON.stringify(spec.dtype)} is not float32, float16 or int8`);
  const quantization = spec.quantization;
  if (!isRecord(quantization)) return fail('an int8 weight needs its quantization');
  if (quantization.scheme !== 'symmetric-per-channel')
    fail(`quantization scheme ${JSON.stringify(quantization.scheme)} is not symmetric-per-channel`);
  const axis = quantization.axis;
  if (!Number.isInteger(axis) || (axis as number) < 0 || (axis as number) >= shape.length)
    return fail(`quantization axis ${JSON.stringify(axis)} is out of range for shape [${shape.join(', ')}]`);
  const scales = quantization.scales;
  if (
    !Array.isArray(scales) ||
    !scales.every((scale) => typeof scale === 'number' && scale >= 0 && scale < Infinity)
  )
    return fail('quantization scales are not an array of finite non-negative numbers');
  if (scales.length !== shape[axis as number])
    fail(`${scales.length} quantization scales for ${String(shape[axis as number])} channels`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
