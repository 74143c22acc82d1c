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

export function encodeTensorBundle(
  arrays: Record<string, BundleArray>,
  meta: Record<string, unknown> = {},
): Uint8Array {
  const entries: BundleHeader['arrays'] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(arrays)) {
    entries.push({ name, kind: kindOf(array), offset, length: array.length });
    offset += Math.ceil(array.byteLength / 8) * 8;
  }
  const headerBytes = new TextEncoder().encode(
    JSON.stringify({ meta, arrays: entries } satisfies BundleHeader),
  );
  const dataStart = Math.ceil((12 + headerBytes.byteLength) / 8) * 8;
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, 12);
  for (const entry of entries) {
    const array = arrays[entry.name] as BundleArray;
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + entry.offset);
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
