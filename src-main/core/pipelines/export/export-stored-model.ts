import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import type { Workspace } from '../../store/workspace.js';
import { getModel } from '../../store/models.js';
import { modelInputContract } from '../../models/input-contract.js';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { exportTfjsLayers, type ExportResult, type ExportWeights } from '../../compress/export-tfjs.js';

export interface StoredModelExport extends ExportResult {
  modelId: string;
  /** Set when the export was written as one zip (model.json and shards at its root). */
  zip?: { path: string; bytes: number; sha256: string };
}

/**
 * Exports a stored model in the TF.js layers format, into a folder or, when `out` ends in .zip, into one zip
 * that a browser can download (the app's export button). The model's lineage goes into model.json's metadata.
 */
export function exportStoredModel(
  workspace: Workspace,
  modelId: string,
  out: string,
  weights: ExportWeights = 'stored',
): StoredModelExport {
  const row = getModel(workspace.db, modelId);
  const artifact = workspace.artifacts.get(row.artifactSha256);
  const options = {
    weights,
    generatedBy: 'Attest',
    meta: {
      modelId: row.id,
      name: row.name,
      recipe: row.recipe,
      parentId: row.parentId,
      artifactSha256: row.artifactSha256,
      // What the model expects (shape, preset, classes in order): read back by `attest models import`.
      inputContract: modelInputContract(row),
    },
  };
  if (!out.toLowerCase().endsWith('.zip')) return { modelId, ...exportTfjsLayers(artifact, out, options) };
  const target = resolve(out);
  const staging = mkdtempSync(join(tmpdir(), 'attest-export-'));
  try {
    const result = exportTfjsLayers(artifact, join(staging, 'model'), options);
    const zippable: Zippable = {};
    for (const file of result.files)
      zippable[file.name] = [new Uint8Array(readFileSync(join(result.dir, file.name))), { level: 6 }];
    const zip = zipSync(zippable);
    // Written beside the target and renamed, so that an interrupted export leaves no half zip behind.
    const partial = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`);
    try {
      writeFileSync(partial, zip, { flag: 'wx' });
      renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { force: true });
      throw badInput(`cannot write ${target}: ${(error as Error).message}`, target);
    }
    return {
      modelId,
      ...result,
      dir: dirname(target),
      zip: { path: target, bytes: zip.length, sha256: sha256Hex(zip) },
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
