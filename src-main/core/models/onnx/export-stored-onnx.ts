import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import { getModel } from '../../store/models.js';
import { AttestError, badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { decodeModelArtifact } from '../artifact.js';
import { EXPORT_OPSET, exportOnnxWithReport } from './export-onnx.js';
import { readInt8Weights } from './int8-weights.js';
import { compareExportWithOrt } from './check-export.js';
import { refuseRuntimeOnly } from '../runtime-only.js';

export interface OnnxExportResult {
  modelId: string;
  format: 'onnx';
  path: string;
  bytes: number;
  sha256: string;
  opset: number;
  /** Int8 kernels written as int8 with their per-channel scales through DequantizeLinear (QDQ). */
  qdqKernels: number;
  /** The stored weight types written as float32 ('float16'; 'int8' for a kernel QDQ cannot express); empty when
   * none. */
  dequantized: string[];
  /** Largest |ONNX Runtime - TF.js predict| on a probe batch, checked before the file is written. */
  maxAbsDifference: number;
  tolerance: number;
  provider: string;
  inputShape: number[];
}

/**
 * Exports a stored model as one ONNX file (int8 kernels dequantized to float32 by default, or kept as int8 with
 * `int8: 'qdq'`), after running it in ONNX Runtime beside TF.js on a probe batch: a file
 * whose outputs differ is not written. The file is written beside the target and renamed, so that an interrupted
 * export leaves no half file; an existing file is not overwritten.
 */
export async function exportStoredModelOnnx(
  workspace: Workspace,
  modelId: string,
  out: string,
  options: { int8?: 'dequantize' | 'qdq' } = {},
): Promise<OnnxExportResult> {
  const target = resolve(out);
  if (!target.toLowerCase().endsWith('.onnx'))
    throw badInput('an ONNX export is one file: give --out FILE.onnx', out);
  if (existsSync(target)) throw badInput(`${target} exists already; export to a new file`, target);
  const row = getModel(workspace.db, modelId);
  refuseRuntimeOnly(row, 'an ONNX export (the imported file itself is the ONNX model)');
  const artifact = workspace.artifacts.get(row.artifactSha256);
  const { model, header } = await decodeModelArtifact(artifact, `model ${row.id}`);
  try {
    const qdq = options.int8 === 'qdq';
    const { bytes, qdqKernels, dequantizedInt8Kernels } = exportOnnxWithReport(
      model,
      qdq ? { int8: readInt8Weights(artifact) } : {},
    );
    const check = await compareExportWithOrt(model, bytes, { qdq: qdqKernels > 0 });
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
      qdqKernels,
      dequantized: [
        ...((!qdq || dequantizedInt8Kernels > 0) && header.weightSpecs.some((spec) => spec.dtype === 'int8')
          ? ['int8']
          : []),
        ...(header.weightSpecs.some((spec) => spec.dtype === 'float16') ? ['float16'] : []),
      ],
      maxAbsDifference: check.maxAbsDifference,
      tolerance: check.tolerance,
      provider: check.provider,
      inputShape: (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? -1),
    };
  } finally {
    model.dispose();
  }
}
