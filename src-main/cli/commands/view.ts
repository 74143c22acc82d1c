import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { openRecording } from '../../core/viewer/recording-source.js';
import { RecordViewer } from '../../core/viewer/record-viewer.js';
import { predictRecordBeats } from '../../core/viewer/record-predictions.js';

export const viewRecordCommand: Command = {
  path: ['view', 'record'],
  readOnly: true,
  usage:
    'view record --dataset ID --record NAME [--start 0] [--duration 10] [--points 1000] [--model ID] [--json]',
  summary:
    "A strip of an imported ECG record (min/max envelopes past one sample per point) with its annotations and, with --model, the model's beat predictions",
  async run({ options, out, workspace }) {
    const datasetId = options.requiredString('dataset');
    const record = options.requiredString('record');
    const start = options.number('start', { min: 0 }) ?? 0;
    const duration = options.number('duration', { min: 0.001 }) ?? 10;
    const points = options.number('points', { min: 10, max: 20000, integer: true }) ?? 1000;
    const modelId = options.string('model');
    options.rejectUnknown();
    const ws = workspace();
    const viewer = new RecordViewer(openRecording(ws, datasetId, record));
    if (modelId !== undefined) {
      await initEngine();
      viewer.setPredictions(await predictRecordBeats(ws, modelId, datasetId, record));
    }
    const strip = viewer.strip({ start, duration, points });
    out.result(strip, () => {
      const predictions = strip.predictions;
      const wrong = predictions?.filter((p) => !p.correct).length ?? 0;
      return [
        `record ${strip.record}: ${strip.start.toFixed(2)} s to ${(strip.start + strip.duration).toFixed(2)} s of ${strip.totalSeconds.toFixed(1)} s, ${strip.leads.map((l) => l.name).join(', ')}`,
        `${strip.annotations.length} annotations (${strip.annotations.map((a) => a.symbol).join('')})`,
        ...(predictions !== undefined ? [`${predictions.length} beat predictions, ${wrong} wrong`] : []),
      ].join('\n');
    });
  },
};
