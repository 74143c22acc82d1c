import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { reproduceMethods } from '../../core/methods/reproduce.js';

export const benchCommand: Command = {
  path: ['bench'],
  usage: 'bench [--samples 2048] [--no-peer] [--json] | bench --methods [--seeds 3] [--json]',
  booleanFlags: ['no-peer', 'methods'],
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
    const samples = options.number('samples', { min: 256, max: 65536, integer: true });
    const noPeer = options.flag('no-peer');
    options.rejectUnknown();
    // The bench lives beside the program (bench/), compiled with it; loaded only when asked for.
    const { runBench } = await import('../../../bench/run.js');
    const result = await runBench({ ...(samples !== undefined ? { samples } : {}), peer: !noPeer });
    out.result(result, () => JSON.stringify(result, null, 2));
  },
};
