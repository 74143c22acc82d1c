import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { exportModelReport } from '../../core/pipelines/export/export-report.js';
import { exportModelReportPdf } from '../../core/pipelines/export/export-report-pdf.js';

export const reportCommand: Command = {
  path: ['report'],
  usage: 'report --model ID --out FILE.html|FILE.pdf [--json]',
  summary:
    'Write a self-contained HTML validation report of a model beside its parent, with provenance and audit head',
  async run({ options, out, workspace }) {
    const modelId = options.requiredString('model');
    const target = resolve(options.requiredString('out'));
    options.rejectUnknown();
    const result = target.toLowerCase().endsWith('.pdf')
      ? await exportModelReportPdf(workspace(), modelId, target)
      : exportModelReport(workspace(), modelId, target);
    out.result(result, () => `report written to ${result.path}`);
  },
};
