import type { Command } from '../command.js';

export const benchCommand: Command = {
  path: ['bench'],
  usage: 'bench [--samples 2048] [--no-peer] [--json]',
  booleanFlags: ['no-peer'],
  summary:
    'Measure training and inference speed of the bench models on this machine beside the PyTorch peer (when python3-torch is installed), with the backend and workers used',
  async run({ options, out }) {
    const samples = options.number('samples', { min: 256, max: 65536, integer: true });
    const noPeer = options.flag('no-peer');
    options.rejectUnknown();
    // The bench lives beside the program (bench/), compiled with it; loaded only when asked for.
    const { runBench } = await import('../../../bench/run.js');
    const result = await runBench({ ...(samples !== undefined ? { samples } : {}), peer: !noPeer });
    out.result(result, () => JSON.stringify(result, null, 2));
  },
};
