import { tfl } from '../engine/tf.js';
import { badInput } from '../errors.js';
import { exportOnnx } from '../models/onnx/export-onnx.js';
import { OnnxRuntimeLayer, hasRuntimeOnlyLayer } from '../models/onnx/onnx-runtime-layer.js';
import { readOnnx, type OnnxLayout } from '../models/onnx/read-onnx.js';
import type { ModelRow } from '../store/models.js';
import type { Workspace } from '../store/workspace.js';
import { predictProbabilities } from '../predict/predict.js';

/** Which runtime computes the forward-only suites: measured (auto), or asked for with --forward-runtime. */
export const FORWARD_RUNTIMES = ['auto', 'tfjs', 'onnxruntime'] as const;
export type ForwardRuntimeChoice = (typeof FORWARD_RUNTIMES)[number];

/** Stored with the validation: which runtime computed the predictions of the forward-only suites, and why. */
export interface ForwardRuntime {
  runtime: 'tfjs' | 'onnxruntime';
  why: string;
  /** The timed probe behind an automatic choice, and how far the two runtimes' outputs were apart on it. */
  probe?: {
    samples: number;
    tfjsSamplesPerS: number;
    onnxRuntimeSamplesPerS: number;
    maxAbsDifference: number;
  };
}

/** The suites that only need forward passes, which may run on ONNX Runtime (the gradient suites stay on TF.js). */
export const FORWARD_ONLY_SUITES = ['clean', 'calibration', 'noise', 'corruptions', 'square'] as const;

/** Outputs of the two runtimes must agree this closely (probabilities) for ONNX Runtime to stand in for TF.js. */
export const FORWARD_TOLERANCE = 1e-4;
const PROBE_SAMPLES = 256;
/**
 * How much faster ONNX Runtime must be on the probe to be chosen: one timed pass on a shared machine swings by
 * tens of percent, and a switch that follows that noise would make the runtime of a validation a coin toss.
 */
export const SWITCH_MARGIN = 1.5;

/**
 * An ONNX file as a TF.js model of one layer that ONNX Runtime computes, reading Attest's layout: the file an
 * imported model was converted from (kept at import), or the model exported on the fly.
 */
export interface OnnxTwinSource {
  bytes: Uint8Array;
  fileName: string;
  layout: OnnxLayout;
  /** The file ends in logits: a softmax follows, as the stored model has. */
  logits: boolean;
}

function onnxRuntimeTwin(
  model: tfl.LayersModel,
  sampleShape: number[],
  classes: number,
  source: OnnxTwinSource | undefined,
): tfl.LayersModel {
  // The export reads and writes Attest's layout: no transpose, probabilities out.
  const bytes = source?.bytes ?? exportOnnx(model);
  const file = readOnnx(bytes, source?.fileName ?? 'the exported model', {
    layout: source?.layout ?? 'channels-last',
  });
  const input = tfl.input({ shape: sampleShape, name: 'forward_input' });
  const layer = new OnnxRuntimeLayer({
    onnx: Buffer.from(bytes).toString('hex'),
    fileInputShape: file.fileInputShape,
    perm: file.perm,
    fixedBatch: file.fixedBatch ?? null,
    outputs: classes,
    name: 'forward_onnx_runtime',
  });
  let output = layer.apply(input) as tfl.SymbolicTensor;
  if (source?.logits === true) output = tfl.layers.softmax().apply(output) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

function samplesPerSecond(run: () => unknown, samples: number): number {
  run(); // warm-up: kernels compiled, the session's first run
  const start = performance.now();
  run();
  return samples / Math.max(1e-3, (performance.now() - start) / 1000);
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The model the forward-only suites run: TF.js, or the same model exported to ONNX on the fly and run by ONNX
 * Runtime when that is faster on this machine (a GPU provider, or a CPU where ONNX Runtime's kernels beat the
 * wasm ones). The choice is measured on a probe of the validation's own inputs, and ONNX Runtime is used only
 * when its outputs agree with TF.js within FORWARD_TOLERANCE. A model run by ONNX Runtime alone (runtime-only
 * import) is already on ONNX Runtime. The caller disposes of `model` when it is not the given one.
 */
export function chooseForwardRuntime(
  model: tfl.LayersModel,
  inputs: Float32Array,
  sampleShape: number[],
  classes: number,
  choice: ForwardRuntimeChoice = 'auto',
  source?: OnnxTwinSource,
): { model: tfl.LayersModel; info: ForwardRuntime } {
  if (hasRuntimeOnlyLayer(model))
    return {
      model,
      info: {
        runtime: 'onnxruntime',
        why: 'the model is run by ONNX Runtime alone (not converted to TF.js)',
      },
    };
  if (choice === 'tfjs')
    return { model, info: { runtime: 'tfjs', why: 'asked for (--forward-runtime tfjs)' } };
  let twin: tfl.LayersModel;
  try {
    twin = onnxRuntimeTwin(model, sampleShape, classes, source);
  } catch (error) {
    if (choice === 'onnxruntime')
      throw badInput(
        `--forward-runtime onnxruntime: the model cannot be run by ONNX Runtime: it was not imported from an ONNX file kept here, and it cannot be exported to ONNX (${message(error)})`,
      );
    return { model, info: { runtime: 'tfjs', why: `no ONNX file of it (${message(error)})` } };
  }
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const samples = Math.min(PROBE_SAMPLES, inputs.length / size);
  const probe = inputs.subarray(0, samples * size);
  let tfjsOut: Float32Array = new Float32Array(0);
  let ortOut: Float32Array = new Float32Array(0);
  const tfjsRate = samplesPerSecond(() => {
    tfjsOut = predictProbabilities(model, probe, sampleShape).probabilities;
  }, samples);
  const ortRate = samplesPerSecond(() => {
    ortOut = predictProbabilities(twin, probe, sampleShape).probabilities;
  }, samples);
  let difference = tfjsOut.length === ortOut.length ? 0 : Number.POSITIVE_INFINITY;
  tfjsOut.forEach((v, i) => {
    const d = Math.abs(v - (ortOut[i] ?? Number.NaN));
    difference = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(difference, d);
  });
  const probeInfo = {
    samples,
    tfjsSamplesPerS: Math.round(tfjsRate),
    onnxRuntimeSamplesPerS: Math.round(ortRate),
    maxAbsDifference: difference,
  };
  const rates = `${probeInfo.onnxRuntimeSamplesPerS} samples/s in ONNX Runtime against ${probeInfo.tfjsSamplesPerS} in TF.js on ${samples} samples`;
  if (difference > FORWARD_TOLERANCE) {
    twin.dispose();
    if (choice === 'onnxruntime')
      throw badInput(
        `--forward-runtime onnxruntime: ONNX Runtime's outputs differ from TF.js' by ${difference} (more than ${FORWARD_TOLERANCE})`,
      );
    return {
      model,
      info: { runtime: 'tfjs', why: `ONNX Runtime differs by ${difference}`, probe: probeInfo },
    };
  }
  if (choice === 'onnxruntime')
    return {
      model: twin,
      info: {
        runtime: 'onnxruntime',
        why: `asked for (--forward-runtime onnxruntime); ${rates}`,
        probe: probeInfo,
      },
    };
  if (ortRate > SWITCH_MARGIN * tfjsRate)
    return { model: twin, info: { runtime: 'onnxruntime', why: `faster: ${rates}`, probe: probeInfo } };
  twin.dispose();
  return {
    model,
    info: {
      runtime: 'tfjs',
      why: `ONNX Runtime not ${SWITCH_MARGIN} times faster: ${rates}`,
      probe: probeInfo,
    },
  };
}

/** The ONNX file a converted import was made from, when it was kept at import (origin.onnx.fileKept). */
export function keptOnnxFile(workspace: Workspace, row: ModelRow): OnnxTwinSource | undefined {
  const origin = row.config['origin'] as
    | { fileName?: string; sha256?: string; onnx?: { fileKept?: boolean; fileLayout?: OnnxLayout } }
    | undefined;
  const contract = row.config['inputContract'] as { output?: string } | undefined;
  if (origin?.onnx?.fileKept !== true || origin.sha256 === undefined) return undefined;
  if (!workspace.artifacts.has(origin.sha256)) return undefined;
  return {
    bytes: new Uint8Array(workspace.artifacts.get(origin.sha256)),
    fileName: origin.fileName ?? origin.sha256,
    layout: origin.onnx.fileLayout ?? 'channels-first',
    logits: contract?.output === 'logits',
  };
}
