import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Workspace } from '../store/workspace.js';
import { badInput } from '../errors.js';
import { parseNpy } from '../data/timeseries/npy.js';
import { encodeNpyFloat32 } from '../data/timeseries/npy-write.js';
import { argMaxRows, predictProbabilities } from './predict.js';
import { loadStoredModel } from './load-stored-model.js';
import { writeOutputFile } from './write-output-file.js';

export interface PredictNpyResult {
  modelId: string;
  input: string;
  out: string;
  samples: number;
  inputShape: number[];
  outputShape: number[];
  classes: string[];
  /** 'logits' when the delivered model gave logits: the stored model applies the softmax. */
  modelOutput: string;
  predictedCounts: Record<string, number>;
}

/** Range check with a little slack for values rounded on their way through float32. */
const RANGE_SLACK = 1e-6;

/**
 * Class probabilities of every sample of a float32 .npy array laid out as Attest's datasets are ([n, 187, 1]
 * for beats), written as a float32 .npy [n, classes]. Samples of another shape, or values outside the range
 * the model's maker declared, are refused before the model runs.
 */
export async function predictNpy(
  workspace: Workspace,
  options: { modelId: string; input: string; out: string },
): Promise<PredictNpyResult> {
  const inputPath = resolve(options.input);
  const array = parseNpy(new Uint8Array(readFileSync(inputPath)), inputPath);
  const { row, model, contract } = await loadStoredModel(workspace, options.modelId);
  try {
    const expected = contract.shape;
    if (array.shape.length !== expected.length + 1 || array.shape.slice(1).join('x') !== expected.join('x'))
      throw badInput(
        `the array has shape (${array.shape.join(', ')}); model ${row.id} reads (n, ${expected.join(', ')})`,
        inputPath,
      );
    if (array.dtype !== '<f4' && array.dtype !== '<f8')
      throw badInput(`the array has dtype ${array.dtype}; give float32 (or float64) values`, inputPath);
    const inputs = Float32Array.from(array.data);
    if (inputs.some((v) => !Number.isFinite(v)))
      throw badInput('the array holds NaN or infinite values', inputPath);
    if (contract.valueRange !== null) {
      const [low, high] = contract.valueRange;
      let min = Infinity;
      let max = -Infinity;
      for (const v of inputs) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (inputs.length > 0 && (min < low - RANGE_SLACK || max > high + RANGE_SLACK))
        throw badInput(
          `input contract mismatch: the values run from ${min} to ${max}; model ${row.id} expects values in [${low}, ${high}]${contract.preset !== null ? ` (preset ${contract.preset})` : ''}`,
          inputPath,
        );
    }
    const { probabilities, classes } = predictProbabilities(model, inputs, expected);
    const samples = array.shape[0] ?? 0;
    const out = writeOutputFile(options.out, encodeNpyFloat32(probabilities, [samples, classes]));
    const predictedCounts = Object.fromEntries(contract.classes.map((name) => [name, 0]));
    for (const best of argMaxRows(probabilities, classes)) {
      const name = contract.classes[best] ?? String(best);
      predictedCounts[name] = (predictedCounts[name] ?? 0) + 1;
    }
    return {
      modelId: row.id,
      input: inputPath,
      out,
      samples,
      inputShape: array.shape,
      outputShape: [samples, classes],
      classes: contract.classes,
      modelOutput: contract.output,
      predictedCounts,
    };
  } finally {
    model.dispose();
  }
}
