import * as h5wasm from 'h5wasm/node';
import { badInput } from '../../errors.js';

/*
 * HDF5 through h5wasm: the HDF5 C library itself compiled to WebAssembly, maintained by NIST, reading every
 * HDF5 feature Keras writes (compact and chunked layouts, variable-length string attributes, both superblock
 * versions). The file is copied into h5wasm's in-memory file system for the time of one read and removed after.
 */

export type Hdf5Group = h5wasm.Group;
export type Hdf5Dataset = h5wasm.Dataset;

let ready: Promise<void> | undefined;
let serial = 0;

function h5wasmReady(): Promise<void> {
  ready ??= h5wasm.ready.then((module) => {
    // HDF5 errors become exceptions carrying the diagnostic, instead of lines printed on stderr.
    module.activate_throwing_error_handler();
  });
  return ready;
}

/** The part of HDF5's diagnostic a user can act on: whether the file is not HDF5 at all, or cut short. */
function describeOpenFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/truncated file/i.test(text)) {
    const eof = /eof = (\d+).*stored_eof = (\d+)/.exec(text);
    return eof !== null
      ? `the HDF5 file is truncated: ${eof[1]} bytes present, ${eof[2]} expected`
      : 'the HDF5 file is truncated';
  }
  if (/signature not found/i.test(text)) return 'not an HDF5 file (no HDF5 signature)';
  const minor = [...text.matchAll(/minor: (.*)/g)].map((m) => m[1]).pop();
  return `the HDF5 file cannot be opened (${minor ?? 'unreadable'})`;
}

/**
 * Opens HDF5 bytes read-only, hands the root group to `read`, and always closes and removes the in-memory copy.
 * Errors while reading (a damaged object deep in the file) are reported against `fileName`.
 */
export async function withHdf5File<T>(
  bytes: Uint8Array,
  fileName: string,
  read: (root: h5wasm.File) => T | Promise<T>,
): Promise<T> {
  await h5wasmReady();
  const fs = h5wasm.FS;
  if (fs === null) throw new Error('h5wasm has no file system after it started');
  const path = `/attest-import-${process.pid}-${++serial}.h5`;
  fs.writeFile(path, bytes);
  let file: h5wasm.File | undefined;
  try {
    try {
      file = new h5wasm.File(path, 'r');
    } catch (error) {
      throw badInput(describeOpenFailure(error), fileName);
    }
    return await read(file);
  } finally {
    try {
      file?.close();
    } finally {
      fs.unlink(path);
    }
  }
}

/** A string attribute (Keras writes JSON configs and versions as string attributes), or undefined. */
export function stringAttribute(node: h5wasm.Group | h5wasm.Dataset, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(node.attrs, name)) return undefined;
  const value = node.attrs[name]?.value;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return undefined;
}

/** A list-of-strings attribute (layer_names, weight_names); an empty list is stored by h5py as float64 []. */
export function stringListAttribute(node: h5wasm.Group, name: string): string[] | undefined {
  if (!Object.prototype.hasOwnProperty.call(node.attrs, name)) return undefined;
  const value = node.attrs[name]?.value;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map((item) => String(item));
  if (ArrayBuffer.isView(value) && (value as { length: number }).length === 0) return [];
  return undefined;
}

export function childGroup(group: h5wasm.Group, name: string): h5wasm.Group | undefined {
  const child = group.get(name);
  return child instanceof h5wasm.Group ? child : undefined;
}

export function childDataset(group: h5wasm.Group, path: string): h5wasm.Dataset | undefined {
  const child = group.get(path);
  return child instanceof h5wasm.Dataset ? child : undefined;
}

/** A dataset's values as float32 with its shape; other numeric types are converted, strings refused. */
export function readFloatDataset(
  dataset: h5wasm.Dataset,
  fileName: string,
): { values: Float32Array; shape: number[] } {
  const shape = dataset.shape ?? [];
  const value = dataset.value;
  if (value instanceof Float32Array) return { values: value, shape };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array)) {
    return { values: Float32Array.from(value as unknown as ArrayLike<number>), shape };
  }
  if (typeof value === 'number' && shape.length === 0) return { values: Float32Array.of(value), shape };
  throw badInput(
    `weight ${dataset.path} is not a numeric array (HDF5 type ${String(dataset.dtype)})`,
    fileName,
  );
}
