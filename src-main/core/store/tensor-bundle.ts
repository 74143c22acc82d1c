import { AttestError } from '../errors.js';

/**
 * A small binary container for named typed arrays with a JSON header: decoded datasets are cached this way
 * (never as JSON numbers). Layout: magic "ATTESTB1", uint32 LE header length, header JSON, 8-byte aligned data.
 */
const MAGIC = 'ATTESTB1';

type ArrayKind = 'float32' | 'float64' | 'int32' | 'uint8' | 'uint16';
export type BundleArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

const CONSTRUCTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
} as const;

function kindOf(array: BundleArray): ArrayKind {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Uint16Array) return 'uint16';
  return 'uint8';
}

interface BundleHeader {
  meta: Record<string, unknown>;
  arrays: { name: string; kind: ArrayKind; offset: number; length: number }[];
}

/**
 * Samples that are read from disk as the bundle is written (an import's spilled samples): their kind and length
 * are known up front, their chunks come one at a time.
 */
export interface StreamedBundleArray {
  streamed: true;
  kind: 'uint16';
  length: number;
  chunks(): Iterable<Uint16Array>;
}

/** One array of a bundle: whole, as consecutive chunks of one kind, or streamed from disk. */
export type BundleArrayParts = BundleArray | BundleArray[] | StreamedBundleArray;

const isStreamed = (v: BundleArrayParts): v is StreamedBundleArray => !Array.isArray(v) && 'streamed' in v;

/**
 * The bytes of a bundle as a sequence of parts (header, then each array's chunks and padding), produced as they
 * are consumed: a large dataset is written to disk part by part instead of being copied into one buffer first.
 */
export function* tensorBundleStream(
  arrays: Record<string, BundleArrayParts>,
  meta: Record<string, unknown> = {},
): Generator<Uint8Array> {
  const entries: BundleHeader['arrays'] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(arrays)) {
    let kind: ArrayKind;
    let length: number;
    if (isStreamed(value)) ({ kind, length } = value);
    else {
      const chunks = Array.isArray(value) ? value : [value];
      kind = chunks[0] === undefined ? 'float32' : kindOf(chunks[0]);
      if (chunks.some((c) => kindOf(c) !== kind))
        throw new AttestError('INTERNAL', `the chunks of bundle array ${name} differ in kind`);
      length = chunks.reduce((sum, c) => sum + c.length, 0);
    }
    entries.push({ name, kind, offset, length });
    offset += Math.ceil((length * CONSTRUCTORS[kind].BYTES_PER_ELEMENT) / 8) * 8;
  }
  const headerBytes = new TextEncoder().encode(
    JSON.stringify({ meta, arrays: entries } satisfies BundleHeader),
  );
  const dataStart = Math.ceil((12 + headerBytes.byteLength) / 8) * 8;
  const head = new Uint8Array(dataStart);
  head.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(head.buffer).setUint32(8, headerBytes.byteLength, true);
  head.set(headerBytes, 12);
  yield head;
  for (const entry of entries) {
    const value = arrays[entry.name] as BundleArrayParts;
    const chunks: Iterable<BundleArray> = isStreamed(value)
      ? value.chunks()
      : Array.isArray(value)
        ? value
        : [value];
    let bytes = 0;
    for (const chunk of chunks) {
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      bytes += chunk.byteLength;
    }
    const expected = entry.length * CONSTRUCTORS[entry.kind].BYTES_PER_ELEMENT;
    if (bytes !== expected)
      throw new AttestError(
        'INTERNAL',
        `bundle array ${entry.name} gave ${bytes} bytes, ${expected} were announced`,
      );
    const padding = Math.ceil(bytes / 8) * 8 - bytes;
    if (padding > 0) yield new Uint8Array(padding);
  }
}

/** The parts of a bundle as a list (see tensorBundleStream). */
export function tensorBundleParts(
  arrays: Record<string, BundleArrayParts>,
  meta: Record<string, unknown> = {},
): Uint8Array[] {
  return [...tensorBundleStream(arrays, meta)];
}

export function encodeTensorBundle(
  arrays: Record<string, BundleArrayParts>,
  meta: Record<string, unknown> = {},
): Uint8Array {
  const parts = tensorBundleParts(arrays, meta);
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

export interface DecodedBundle {
  meta: Record<string, unknown>;
  arrays: Map<string, BundleArray>;
}

export function decodeTensorBundle(bytes: Uint8Array, sourceName = 'tensor bundle'): DecodedBundle {
  const fail = (problem: string): never => {
    throw new AttestError('BAD_INPUT', problem, { file: sourceName });
  };
  if (bytes.byteLength < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    fail('not an Attest tensor bundle');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + headerLength > bytes.byteLength) fail('truncated header');
  let header: BundleHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as BundleHeader;
  } catch {
    return fail('header is not valid JSON');
  }
  const dataStart = Math.ceil((12 + headerLength) / 8) * 8;
  const arrays = new Map<string, BundleArray>();
  for (const entry of header.arrays) {
    const Ctor = CONSTRUCTORS[entry.kind];
    if (Ctor === undefined) fail(`unknown array kind ${String(entry.kind)}`);
    const start = dataStart + entry.offset;
    const byteLength = entry.length * Ctor.BYTES_PER_ELEMENT;
    if (start + byteLength > bytes.byteLength) fail(`array ${entry.name} runs past the end of the file`);
    // Copy into a fresh, aligned buffer: the source may be a Node Buffer at an arbitrary offset.
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(start, start + byteLength));
    arrays.set(entry.name, new Ctor(copy.buffer));
  }
  return { meta: header.meta, arrays };
}
