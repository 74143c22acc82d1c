import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import { getModel } from '../../store/models.js';
import { AttestError, badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { decodeModelArtifact } from '../artifact.js';
import { EXPORT_OPSET, exportOnnx } from './export-onnx.js';
import { compareExportWithOrt } from './check-export.js';

export interface OnnxExportResult {
  modelId: string;
  format: 'onnx';
  path: string;
  bytes: number;
  sha256: string;
  opset: number;
  /** The stored weight types written as float32 ('int8', 'float16'); empty when all were float32 already. */
  dequantized: string[];
  /** Largest |ONNX Runtime - TF.js predict| on a probe batch, checked before the file is written. */
  maxAbsDifference: number;
  tolerance: number;
  provider: string;
  inputShape: number[];
}

/**
 * Exports a stored model as one ONNX file, after running it in ONNX Runtime beside TF.js on a probe batch: a file
 * whose outputs differ is not written. The file is written beside the target and renamed, so that an interrupted
 * export leaves no half file; an existing file is not overwritten.
 */
export async function exportStoredModelOnnx(
  workspace: Workspace,
  modelId: string,
  out: string,
): Promise<OnnxExportResult> {
  const target = resolve(out);
  if (!target.toLowerCase().endsWith('.onnx'))
    throw badInput('an ONNX export is one file: give --out FILE.onnx', out);
  if (existsSync(target)) throw badInput(`${target} exists already; export to a new file`, target);
  const row = getModel(workspace.db, modelId);
  const { model, header } = await decodeModelArtifact(
    workspace.artifacts.get(row.artifactSha256),
    `model ${row.id}`,
  );
  try {
    const bytes = exportOnnx(model);
    const check = await compareExportWithOrt(model, bytes);
    if (!(check.maxAbsDifference <= check.tolerance))
      throw new AttestError(
        'VERIFY_FAILED',
        `the ONNX export of model ${modelId} differs from TF.js by up to ${check.maxAbsDifference.toExponential(2)} ` +
          `in ONNX Runtime (tolerance ${check.tolerance.toExponential(0)}); nothing was written`,
      );
    const partial = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`);
    try {
      writeFileSync(partial, bytes, { flag: 'wx' });
      renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { force: true });
      throw badInput(`cannot write ${target}: ${(error as Error).message}`, target);
    }
    return {
      modelId,
      format: 'onnx',
      path: target,
      bytes: bytes.length,
      sha256: sha256Hex(bytes),
      opset: EXPORT_OPSET,
      dequantized: [...new Set(header.weightSpecs.map((s) => s.dtype).filter((d) => d !== 'float32'))],
      maxAbsDifference: check.maxAbsDifference,
      tolerance: check.tolerance,
      provider: check.provider,
      inputShape: (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? -1),
    };
  } finally {
    model.dispose();
  }
}
