import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { inspectWfdb } from '../../core/data/wfdb/inspect.js';
import { inspectEdf } from '../../core/data/edf/inspect.js';
import { isDicomPath, runInspectDicom } from './inspect-dicom.js';

export const inspectCommand: Command = {
  path: ['inspect'],
  usage: 'inspect RECORD|FILE.edf|FILE.dcm [--frame N] [--show-identifiers] [--json]',
  summary:
    'Show what a recording holds (WFDB: RECORD is the path without extension, or the .hea file; EDF and EDF+ files; DICOM images with pixel statistics after windowing, patient identifiers only with --show-identifiers)',
  booleanFlags: ['show-identifiers'],
  async run(context) {
    if (isDicomPath(context.options.positionals[0])) return runInspectDicom(context);
    const { options, out } = context;
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
