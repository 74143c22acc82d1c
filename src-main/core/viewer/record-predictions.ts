import type { Workspace } from '../store/workspace.js';
import { getModel } from '../store/models.js';
import { badInput } from '../errors.js';
import { tf } from '../engine/tf.js';
import { ecgSampleDataset, loadEcgDataset } from '../data/ecg-dataset.js';
import { checkInputContract } from '../models/input-contract.js';
import type { BeatPrediction } from './record-viewer.js';
import { decodeStoredModel } from '../predict/load-stored-model.js';

/**
 * A model's prediction for every beat of one record of a beat dataset, placed at the beat's R peak in the
 * source recording, with the reference label: what the strip viewer overlays on the signal.
 */
export async function predictRecordBeats(
  workspace: Workspace,
  modelId: string,
  datasetId: string,
  record: string,
): Promise<BeatPrediction[]> {
  const dataset = loadEcgDataset(workspace, datasetId);
  const recordIndex = dataset.records.indexOf(record);
  if (recordIndex < 0) throw badInput(`dataset ${datasetId} has no record "${record}"`);
  const positions = dataset.positions;
  if (positions === undefined)
    throw badInput(`dataset ${datasetId} does not store where its beats are in the recording`);
  const indices: number[] = [];
  dataset.record.forEach((r, i) => {
    if (r === recordIndex && Number.isFinite(positions[i])) indices.push(i);
  });
  const row = getModel(workspace.db, modelId);
  const model = await decodeStoredModel(workspace, row);
  try {
    const samples = ecgSampleDataset(dataset);
    // A beat with R-R context is its window followed by the R-R values: the sample is longer than the window.
    const size = samples.sampleShape[0] ?? dataset.length;
    const expected = model.inputs[0]?.shape.slice(1).join('x');
    if (expected !== `${size}x1`)
      throw badInput(`model ${modelId} takes inputs of shape ${expected}, the beats are ${size}x1`);
    checkInputContract(row, samples);
    const inputs = samples.inputs(indices);
    const classes = (row.config['meta'] as { classes?: string[] } | undefined)?.classes ?? dataset.classes;
    const out: BeatPrediction[] = [];
    const batch = 512;
    for (let start = 0; start < indices.length; start += batch) {
      const end = Math.min(indices.length, start + batch);
      const probabilities = tf.tidy(() => {
        const x = tf.tensor(inputs.subarray(start * size, end * size), [end - start, size, 1]);
        return model.predict(x) as tf.Tensor;
      });
      const values = (await probabilities.data()) as Float32Array;
      probabilities.dispose();
      const k = values.length / (end - start);
      for (let j = 0; j < end - start; j++) {
        const row = values.subarray(j * k, (j + 1) * k);
        let best = 0;
        for (let c = 1; c < k; c++) if ((row[c] as number) > (row[best] as number)) best = c;
        const i = indices[start + j] as number;
        out.push({
          sample: positions[i] as number,
          truth: dataset.classes[dataset.labels[i] as number] ?? '?',
          predicted: classes[best] ?? String(best),
          confidence: row[best] as number,
        });
      }
    }
    return out;
  } finally {
    model.dispose();
  }
}
