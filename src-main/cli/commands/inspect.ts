import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { inspectWfdb } from '../../core/data/wfdb/inspect.js';
import { inspectEdf } from '../../core/data/edf/inspect.js';

export const inspectCommand: Command = {
  path: ['inspect'],
  usage: 'inspect RECORD|FILE.edf [--json]',
  summary:
    'Show what a recording holds (WFDB: RECORD is the path without extension, or the .hea file; EDF and EDF+ files)',
  async run({ options, out }) {
    options.rejectUnknown();
    const [target, extra] = options.positionals;
    if (target === undefined) throw badInput('inspect needs a file or record path');
    if (extra !== undefined) throw badInput(`inspect takes one path, got also "${extra}"`);
    const result = (/\.edf$/i.test(target) ? inspectEdf(target) : inspectWfdb(target)) as Record<
      string,
      unknown
    >;
    out.result(result, () => JSON.stringify(result, null, 2));
  },
};
