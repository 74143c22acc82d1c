import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import type { ImportedModel } from './imported-model.js';
import type { ModelOrigin } from './model-origin.js';
import type { ContractOptions } from './settle-contract.js';
import { importKerasH5 } from './keras-h5.js';
import { importOnnx, OnnxConversionError } from '../onnx/import-onnx.js';
import { importOnnxRuntimeOnly } from '../onnx/import-runtime-only.js';
import { importKerasArchive } from './keras-archive.js';
import {
  importTfjsLayers,
  tfjsFileDigests,
  tfjsFilesFromFolder,
  tfjsFilesFromZip,
} from './tfjs-layers-model.js';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, signature: number[], at = 0): boolean {
  return signature.every((byte, i) => bytes[at + i] === byte);
}

/** HDF5 files start with their signature at 0, or at 512, 1024, ... when a user block precedes it. */
function looksLikeHdf5(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.byteLength; at = at === 0 ? 512 : at * 2)
    if (startsWith(bytes, HDF5_SIGNATURE, at)) return true;
  return false;
}

function isZip(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]);
}

/** Whether a zip is a Keras 3 archive (config.json and model.weights.h5 at its root), by its central directory. */
function zipHasEntry(bytes: Uint8Array, name: string): boolean {
  const needle = new TextEncoder().encode(name);
  outer: for (let i = 0; i + needle.length <= bytes.byteLength; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Reads a model file or folder made outside Attest: the format is decided by what the file is (its signature),
 * its extension only telling which message fits when it is none of them. Returns the model (a tfl.LayersModel)
 * and its origin; nothing is stored here.
 */
export async function readModelSource(
  path: string,
  options: { layout?: 'channels-first' | 'channels-last' } = {},
): Promise<{
  imported: ImportedModel;
  origin: ModelOrigin;
  metadata?: unknown;
  /** What the reader settled itself (ONNX: the model already reads channels last; logits or probabilities). */
  contract?: ContractOptions;
  /** A converted ONNX file, kept beside the model so that ONNX Runtime can run the forward-only suites. */
  keepFile?: Uint8Array;
}> {
  const full = resolve(path);
  if (!existsSync(full)) throw badInput('no such file or folder', full);
  const fileName = basename(full);
  if (statSync(full).isDirectory()) {
    const files = tfjsFilesFromFolder(full);
    const { metadata, ...imported } = await importTfjsLayers(files);
    return {
      imported,
      origin: originOf(full, files.files.get('model.json'), imported, tfjsFileDigests(files)),
      metadata,
    };
  }
  const bytes = new Uint8Array(readFileSync(full));
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.onnx')) {
    return readOnnxSource(full, bytes, options);
  }
  if (looksLikeHdf5(bytes)) {
    const imported = await importKerasH5(bytes, full);
    return { imported, origin: originOf(full, bytes, imported) };
  }
  if (isZip(bytes)) {
    if (
      lower.endsWith('.keras') ||
      (zipHasEntry(bytes, 'config.json') && zipHasEntry(bytes, 'model.weights.h5'))
    ) {
      const imported = await importKerasArchive(bytes, full);
      return { imported, origin: originOf(full, bytes, imported) };
    }
    const files = tfjsFilesFromZip(bytes, full);
    const { metadata, ...imported } = await importTfjsLayers(files);
    return { imported, origin: originOf(full, bytes, imported, tfjsFileDigests(files)), metadata };
  }
  if (lower.endsWith('.h5') || lower.endsWith('.hdf5'))
    throw badInput(
      bytes.byteLength < 8
        ? `not an HDF5 file (${bytes.byteLength} bytes)`
        : 'not an HDF5 file (no HDF5 signature)',
      full,
    );
  if (lower.endsWith('.keras')) throw badInput('not a .keras archive (not a zip file)', full);
  if (lower.endsWith('model.json'))
    throw badInput(
      'give the folder that holds model.json and its weight shards, not model.json itself',
      full,
    );
  throw badInput(
    'not a model file Attest reads: a Keras 2 .h5, a Keras 3 .keras archive, an ONNX .onnx file, or a TF.js layers model (a folder with model.json, or its zip)',
    full,
  );
}

/**
 * An ONNX file: converted to an equivalent TF.js model (checked against ONNX Runtime on a probe batch) so that
 * every suite runs; a graph with an operator the converter does not handle is kept as runtime-only, run by ONNX
 * Runtime for the suites that need only forward passes. Either model already reads Attest's channels-last
 * layout; the file's own layout is recorded, not transposed again.
 */
async function readOnnxSource(
  full: string,
  bytes: Uint8Array,
  options: { layout?: 'channels-first' | 'channels-last' },
): Promise<Awaited<ReturnType<typeof readModelSource>>> {
  const layout = options.layout !== undefined ? { layout: options.layout } : {};
  let converted;
  try {
    converted = await importOnnx(bytes, full, layout);
  } catch (error) {
    if (!(error instanceof OnnxConversionError)) throw error;
    try {
      converted = await importOnnxRuntimeOnly(bytes, full, error, layout);
    } catch (runtimeError) {
      // Neither path works (e.g. a vendor's custom operator): both reasons, so the user knows what to ask for.
      const detail = (e: unknown): string =>
        e instanceof Error ? e.message.replace(`${full}: `, '') : String(e);
      throw badInput(
        `${detail(error)}; and ONNX Runtime cannot run it either: ${detail(runtimeError)}`,
        full,
      );
    }
  }
  const runtimeOnly = 'notConverted' in converted ? converted.notConverted : undefined;
  const producer = `${converted.producerName} ${converted.producerVersion}`.trim();
  const imported: ImportedModel = {
    model: converted.model,
    framework: 'onnx',
    frameworkVersion: `opset ${converted.opset}${producer !== '' ? `, made by ${producer}` : ''}`,
    format: runtimeOnly !== undefined ? 'onnx-runtime-only' : 'onnx',
  };
  return {
    imported,
    origin: {
      ...originOf(full, bytes, imported),
      onnx: {
        opset: converted.opset,
        producer,
        fileLayout: converted.layout,
        fileInputShape: converted.fileInputShape,
        maxAbsDifference: 'maxAbsDifference' in converted ? converted.maxAbsDifference : null,
        checkedWith: `ONNX Runtime (${converted.provider})`,
        ...(runtimeOnly !== undefined ? { runtimeOnly } : {}),
      },
    },
    contract: {
      layout: 'channels-last',
      sourceLayout: converted.layout,
      output: converted.outputsProbabilities ? 'probabilities' : 'logits',
    },
    // A runtime-only model carries the file inside its artifact already.
    ...(runtimeOnly === undefined ? { keepFile: bytes } : {}),
  };
}

function originOf(
  path: string,
  main: Uint8Array | undefined,
  imported: ImportedModel,
  files?: ModelOrigin['files'],
): ModelOrigin {
  const bytes = main ?? new Uint8Array(0);
  return {
    fileName: basename(path),
    path,
    sha256: sha256Hex(bytes),
    bytes: files?.reduce((sum, file) => sum + file.bytes, 0) ?? bytes.byteLength,
    ...(files !== undefined ? { files } : {}),
    framework: imported.framework,
    frameworkVersion: imported.frameworkVersion,
    format: imported.format,
  };
}
