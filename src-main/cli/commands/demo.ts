import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { Workspace } from '../../core/store/workspace.js';
import { runDemo } from '../../core/pipelines/demo/run-demo.js';
import { runImageDemo } from '../../core/pipelines/demo/image-demo.js';
import { cliJobContext } from './job-context.js';
import { badInput } from '../../core/errors.js';
import { demoVerdictLines } from '../../core/pipelines/demo/demo-verdict.js';

export const demoCommand: Command = {
  path: ['demo'],
  usage:
    'demo [--home DIR] [--epochs 8] [--max-minutes 6] [--data mitdb|synthetic|mammograms|insulators] [--json]',
  summary:
    'Run the whole path on bundled MIT-BIH records (or synthetic patients: --data synthetic; synthetic DICOM mammograms or insulator images: --data mammograms|insulators): import, train, compress, validate, report (fresh temporary home)',
  async run(context) {
    const { options, out } = context;
    const epochs = options.number('epochs', { min: 1, max: 200, integer: true });
    const maxMinutes = options.number('max-minutes', { min: 0.05, max: 600 });
    const data = options.string('data') ?? 'mitdb';
    if (!['mitdb', 'synthetic', 'mammograms', 'insulators'].includes(data))
      throw badInput(`--data must be mitdb, synthetic, mammograms or insulators, got "${data}"`);
    options.rejectUnknown();
    const home = context.home ?? mkdtempSync(join(tmpdir(), 'attest-demo-'));
    const engine = await initEngine();
    out.log(`demo home: ${home}; backend: ${engine.backend}`);
    const workspace = Workspace.open(home);
    try {
      const demoOptions = {
        ...(epochs !== undefined ? { epochs } : {}),
        ...(maxMinutes !== undefined ? { maxMinutes } : {}),
      };
      const result =
        data === 'mammograms' || data === 'insulators'
          ? await runImageDemo(workspace, { data, ...demoOptions }, cliJobContext(context))
          : await runDemo(
              workspace,
              { data: data as 'mitdb' | 'synthetic', ...demoOptions },
              cliJobContext(context),
            );
      out.result({ home, backend: engine.backend, ...result }, () =>
        [
          `demo finished in ${result.seconds.toFixed(0)} s (home ${home})`,
          `  baseline ${result.modelId}: test accuracy ${result.baseline.accuracy.toFixed(4)}, macro-F1 ${result.baseline.macroF1.toFixed(4)}`,
          `  compressed ${result.compressedModelId} (${result.recipe}): test accuracy ${result.compressed.accuracy.toFixed(4)}, ${result.compressedBytes} bytes vs ${result.baselineBytes}`,
          ...demoVerdictLines(`baseline ${result.modelId}`, result.baseline),
          ...demoVerdictLines(`compressed ${result.compressedModelId}`, result.compressed),
          `  report: ${result.reportPath}`,
        ].join('\n'),
      );
    } finally {
      workspace.close();
    }
  },
};
