import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { measureStoredModel } from '../../core/pipelines/compress/measure-stored.js';

export const modelsMeasureCommand: Command = {
  path: ['models', 'measure'],
  usage: 'models measure --model ID [--runs 30] [--json]',
  summary:
    'Measure a model on the active backend: bytes on disk and gzipped, parameters, nonzero parameters, FLOPs per sample, median latency',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const runs = options.number('runs', { min: 1, max: 10000, integer: true });
    options.rejectUnknown();
    await initEngine();
    const row = await measureStoredModel(context.workspace(), modelId, runs !== undefined ? { runs } : {});
    out.result(
      row,
      () =>
        `model ${row.modelId} on ${row.backend}: ${row.sizeBytes} bytes (${row.gzipBytes} gzipped), ` +
        `${row.nonzeroParams}/${row.params} nonzero parameters, ${(row.flops / 1e6).toFixed(3)} MFLOPs per sample ` +
        `(${(row.sparseFlops / 1e6).toFixed(3)} sparse), ${row.latencyMs.toFixed(3)} ms per sample at batch 1, ` +
        `${row.batchedMsPerSample.toFixed(4)} ms per sample at batch 32 (median of ${row.runs} runs)`,
    );
  },
};
