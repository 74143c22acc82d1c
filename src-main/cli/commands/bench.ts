import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { reproduceMethods } from '../../core/pipelines/methods/reproduce.js';

export const benchCommand: Command = {
  path: ['bench'],
  usage:
    'bench [--samples 2048] [--no-peer] [--json] | bench --methods [--seeds 3] [--json] | bench --site [--jobs 200] [--workers 4] [--json]',
  booleanFlags: ['no-peer', 'methods', 'site'],
  summary:
    'Measure training and inference speed of the bench models on this machine beside the PyTorch peer (when python3-torch is installed), with the backend and workers used',
  async run({ options, out }) {
    // --methods: the research methods' effects over seeds instead of speed (as `attest methods reproduce`).
    if (options.flag('methods')) {
      const seeds = options.number('seeds', { min: 1, max: 50, integer: true }) ?? 3;
      options.rejectUnknown();
      await initEngine();
      const methods = await reproduceMethods({
        seeds,
        onProgress: (message) => process.stderr.write(`${message}\n`),
      });
      out.result({ seeds, methods }, () => JSON.stringify({ seeds, methods }, null, 2));
      return;
    }
    // --site: the site job queue under load (a local Redis, a server, worker processes); see bench/site-queue.ts.
    if (options.flag('site')) {
      const jobs = options.number('jobs', { min: 1, max: 100000, integer: true }) ?? 200;
      const workers = options.number('workers', { min: 1, max: 64, integer: true }) ?? 4;
      options.rejectUnknown();
      const { runSiteBench } = await import('../../../bench/site-queue.js');
      const result = await runSiteBench({ jobs, workers });
      out.result(result, () => JSON.stringify(result, null, 2));
      return;
    }
    const samples = options.number('samples', { min: 256, max: 65536, integer: true });
    const noPeer = options.flag('no-peer');
    options.rejectUnknown();
    // The bench lives beside the program (bench/), compiled with it; loaded only when asked for.
    const { runBench } = await import('../../../bench/run.js');
    const result = await runBench({ ...(samples !== undefined ? { samples } : {}), peer: !noPeer });
    out.result(result, () => JSON.stringify(result, null, 2));
  },
};
