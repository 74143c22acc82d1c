import type { ImportSource } from './import-spec.js';
import type { PathExpectation } from './paths.js';

/**
 * What the paths field of the import wizard takes for each source, so that a typed path is checked for the
 * right thing: a folder of class folders is not a file, a .csv table is not a folder. Files given directly
 * must carry one of the extensions (a WFDB record may be named without one: /data/mitdb/100).
 */
export function pathExpectation(source: ImportSource): { expect: PathExpectation; extensions: string[] } {
  switch (source) {
    case 'wfdb':
      return { expect: 'any', extensions: ['.hea', '.dat', '.atr'] };
    case 'edf':
      return { expect: 'any', extensions: ['.edf'] };
    case 'table':
      return { expect: 'file', extensions: ['.csv', '.npy'] };
    case 'npz':
      return { expect: 'file', extensions: ['.npz'] };
    case 'images':
    case 'dicom':
    case 'voc':
    case 'detection':
      return { expect: 'folder', extensions: [] };
    default:
      return { expect: 'any', extensions: [] };
  }
}
