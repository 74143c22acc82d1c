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

/** One array of a bundle, whole or as consecutive chunks of one kind (a dataset's samples as they were decoded). */
export type BundleArrayParts = BundleArray | BundleArray[];

/**
 * The bytes of a bundle as a list of parts (header, then each array's chunks and padding) without joining them:
 * a large dataset is written to disk part by part instead of being copied into one buffer first.
 */
export function tensorBundleParts(
  arrays: Record<string, BundleArrayParts>,
  meta: Record<string, unknown> = {},
): Uint8Array[] {
  const entries: BundleHeader['arrays'] = [];
  const chunksOf = new Map<string, BundleArray[]>();
  let offset = 0;
  for (const [name, value] of Object.entries(arrays)) {
    const chunks = Array.isArray(value) ? value : [value];
    const kind = chunks[0] === undefined ? 'float32' : kindOf(chunks[0]);
    if (chunks.some((c) => kindOf(c) !== kind))
      throw new AttestError('INTERNAL', `the chunks of bundle array ${name} differ in kind`);
    const length = chunks.reduce((sum, c) => sum + c.length, 0);
    entries.push({ name, kind, offset, length });
    chunksOf.set(name, chunks);
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
  const parts: Uint8Array[] = [head];
  for (const entry of entries) {
    let bytes = 0;
    for (const chunk of chunksOf.get(entry.name) ?? []) {
      parts.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      bytes += chunk.byteLength;
    }
    const padding = Math.ceil(bytes / 8) * 8 - bytes;
    if (padding > 0) parts.push(new Uint8Array(padding));
  }
  return parts;
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
