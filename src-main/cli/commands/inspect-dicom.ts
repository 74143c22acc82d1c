import type { CommandContext } from '../command.js';
import { badInput } from '../../core/errors.js';
import { inspectDicom } from '../../core/data/dicom/inspect.js';

/** Paths `attest inspect` hands to the DICOM reader. */
export function isDicomPath(path: string | undefined): boolean {
  return path !== undefined && /\.(dcm|dicom)$/i.test(path);
}

/** `attest inspect FILE.dcm [--frame N] [--show-identifiers]`: attributes, display steps and pixel statistics. */
export async function runInspectDicom({ options, out }: CommandContext): Promise<void> {
  const showIdentifiers = options.flag('show-identifiers');
  const frame = options.number('frame', { min: 0, max: 1e6, integer: true });
  options.rejectUnknown();
  const [target, extra] = options.positionals;
  if (target === undefined) throw badInput('inspect needs a file');
  if (extra !== undefined) throw badInput(`inspect takes one path, got also "${extra}"`);
  const result = await inspectDicom(target, { showIdentifiers, ...(frame !== undefined ? { frame } : {}) });
  out.result(result, () => JSON.stringify(result, null, 2));
}
