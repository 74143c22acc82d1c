import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { tf, tfl } from '../../engine/tf.js';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { checkLayersKnown } from './keras-config.js';
import type { ImportedModel } from './imported-model.js';

/** The files of a TF.js layers model, by name (model.json and its shards), from a folder or a zip. */
export interface TfjsModelFiles {
  files: Map<string, Uint8Array>;
  source: string;
}

export function tfjsFilesFromFolder(dir: string): TfjsModelFiles {
  const files = new Map<string, Uint8Array>();
  const modelJson = join(dir, 'model.json');
  if (!existsSync(modelJson))
    throw badInput('the folder has no model.json (a TF.js layers model: model.json + weight shards)', dir);
  files.set('model.json', new Uint8Array(readFileSync(modelJson)));
  for (const path of shardPaths(files.get('model.json') as Uint8Array, dir)) {
    const file = join(dir, path);
    if (!existsSync(file) || !statSync(file).isFile())
      throw badInput(`weight shard ${path} named in model.json is missing`, dir);
    files.set(path, new Uint8Array(readFileSync(file)));
  }
  return { files, source: dir };
}

/** A zip as `attest export-model --out FILE.zip` writes it: model.json and shards at its root (or in one folder). */
export function tfjsFilesFromZip(bytes: Uint8Array, fileName: string): TfjsModelFiles {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw badInput(`not a readable zip archive (${(error as Error).message})`, fileName);
  }
  const modelJsonPath = Object.keys(entries)
    .filter((name) => name === 'model.json' || name.endsWith('/model.json'))
    .sort((a, b) => a.length - b.length)[0];
  if (modelJsonPath === undefined)
    throw badInput(
      'the zip holds no model.json (neither a TF.js layers model nor a .keras archive)',
      fileName,
    );
  const prefix = modelJsonPath.slice(0, -'model.json'.length);
  const files = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries))
    if (name.startsWith(prefix) && !name.endsWith('/')) files.set(name.slice(prefix.length), data);
  return { files, source: fileName };
}

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  generatedBy?: unknown;
  convertedBy?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
}

function parseModelJson(bytes: Uint8Array, source: string): ModelJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw badInput('model.json is not valid JSON', source);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badInput('model.json is not a JSON object', source);
  return parsed as ModelJson;
}

function shardPaths(modelJson: Uint8Array, source: string): string[] {
  const manifest = parseModelJson(modelJson, source).weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw badInput('model.json weightsManifest is not a list', source);
  const paths = manifest.flatMap((group) => (Array.isArray(group?.paths) ? group.paths : []));
  for (const path of paths)
    if (typeof path !== 'string' || path.includes('/') || path.includes('\\') || path.startsWith('.'))
      throw badInput(`weight shard name ${JSON.stringify(path)} is not a plain file name`, source);
  return paths;
}

/** SHA-256 of every file of the model, so that the import records exactly what was read. */
export function tfjsFileDigests(model: TfjsModelFiles): { name: string; bytes: number; sha256: string }[] {
  return [...model.files.entries()]
    .filter(([name]) => name === 'model.json' || !name.includes('/'))
    .map(([name, data]) => ({ name, bytes: data.byteLength, sha256: sha256Hex(data) }));
}

/** A TF.js layers model (model.json + shards): topology checked by layer name, weights loaded strictly. */
export async function importTfjsLayers(
  model: TfjsModelFiles,
): Promise<ImportedModel & { metadata: unknown }> {
  const { files, source } = model;
  const jsonBytes = files.get('model.json');
  if (jsonBytes === undefined) throw badInput('no model.json', source);
  const json = parseModelJson(jsonBytes, source);
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (topology === undefined || topology === null || typeof topology !== 'object')
    throw badInput(
      'model.json has no modelTopology: it is not a TF.js layers model (a graph model cannot be imported)',
      source,
    );
  // Converted Keras files wrap the model in model_config beside their training config.
  const modelConfig = (topology['model_config'] as unknown) ?? topology;
  checkLayersKnown(modelConfig, source);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  shardPaths(jsonBytes, source);
  for (const group of json.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) {
      const shard = files.get(path);
      if (shard === undefined) throw badInput(`weight shard ${path} named in model.json is missing`, source);
      chunks.push(shard);
    }
  }
  const weightData = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    weightData.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let layersModel: tfl.LayersModel;
  try {
    layersModel = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: topology, weightSpecs, weightData: weightData.buffer }),
    );
  } catch (error) {
    throw badInput(`TF.js cannot load the model: ${(error as Error).message}`, source);
  }
  const generatedBy = typeof json.generatedBy === 'string' ? json.generatedBy : null;
  const convertedBy = typeof json.convertedBy === 'string' ? json.convertedBy : null;
  return {
    model: layersModel,
    framework: 'tfjs-layers',
    frameworkVersion: [generatedBy, convertedBy].filter((v) => v !== null).join(', ') || null,
    format:
      files.size > 0 && source.toLowerCase().endsWith('.zip') ? 'tfjs-layers-zip' : 'tfjs-layers-folder',
    metadata: json.userDefinedMetadata,
  };
}
