import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { exportDetectionFramesPage } from '../../core/pipelines/detect/frames-html.js';

export const detectFramesCommand: Command = {
  path: ['detect', 'frames'],
  usage: 'detect frames --model ID --out FILE.html [--validation ID] [--all] [--limit 60] [--json]',
  summary:
    "A self-contained page of a detector's test frames with ground truth, missed objects and false alarms drawn, most errors first",
  booleanFlags: ['all'],
  async run({ options, out, workspace }) {
    const modelId = options.requiredString('model');
    const path = resolve(options.requiredString('out'));
    const validationId = options.string('validation');
    const all = options.flag('all');
    const limit = options.number('limit', { min: 1, max: 100000, integer: true });
    options.rejectUnknown();
    const result = await exportDetectionFramesPage(workspace(), {
      modelId,
      path,
      show: all ? 'all' : 'errors',
      ...(validationId !== undefined ? { validationId } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    out.result(
      result,
      () => `${result.frames} frames of validation ${result.validationId} written to ${result.path}`,
    );
  },
};
