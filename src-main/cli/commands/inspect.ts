import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { inspectWfdb } from '../../core/data/wfdb/inspect.js';

export const inspectCommand: Command = {
  path: ['inspect'],
  usage: 'inspect RECORD [--json]',
  summary: 'Show what a recording holds (WFDB: RECORD is the path without extension, or the .hea file)',
  async run({ options, out }) {
    options.rejectUnknown();
    const [target, extra] = options.positionals;
    if (target === undefined) throw badInput('inspect needs a file or record path');
    if (extra !== undefined) throw badInput(`inspect takes one path, got also "${extra}"`);
    const result = inspectWfdb(target) as Record<string, unknown>;
    out.result(result, () => JSON.stringify(result, null, 2));
  },
};
