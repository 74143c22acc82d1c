import type { JobSpec } from '../../../src-main/contract/index.js';

/** The import wizard's answers, and the job they become (one importer of the core per source). */
export type ImportSource = 'sample' | 'wfdb' | 'edf' | 'table' | 'synthetic';

export interface ImportChoices {
  source: ImportSource;
  records: string[];
  paths: string;
  name: string;
  splitMode: 'random' | 'records' | 'ds1ds2';
  testRecords: string;
  testFraction: number;
  limitSeconds: boolean;
  seconds: number;
  syntheticPatients: number;
  tableFs: number;
  tableTestFile: string;
}

export function pathList(text: string): string[] {
  return text
    .split('\n')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

export function splitText(c: ImportChoices): string {
  if (c.splitMode === 'ds1ds2') return 'ds1ds2';
  if (c.splitMode === 'records') return `test:${c.testRecords.replace(/\s+/g, '')}`;
  return `records:1:${(c.testFraction / 100).toFixed(2)}`;
}

export function importSpec(c: ImportChoices): JobSpec {
  const split = splitText(c);
  switch (c.source) {
    case 'synthetic':
      return {
        kind: 'import-synthetic',
        name: c.name,
        records: c.syntheticPatients,
        seconds: c.seconds,
        seed: 1,
        split,
      };
    case 'edf':
      return { kind: 'import-edf', name: c.name, paths: pathList(c.paths), split };
    case 'table':
      // One row per beat (the 187-sample heartbeat CSV): the test rows are a file of their own, or a share of beats.
      return {
        kind: 'import-timeseries',
        name: c.name,
        paths: pathList(c.paths),
        layout: 'beats',
        fs: c.tableFs,
        ...(c.tableTestFile.trim() !== ''
          ? { testFile: c.tableTestFile.trim() }
          : { split: `beats:1:${(c.testFraction / 100).toFixed(2)}` }),
      };
    default:
      return {
        kind: 'import-wfdb',
        name: c.name,
        split,
        source:
          c.source === 'sample'
            ? { kind: 'sample', records: [...c.records] }
            : { kind: 'paths', paths: pathList(c.paths) },
        ...(c.limitSeconds ? { durationSeconds: c.seconds } : {}),
      };
  }
}

export function sourceReady(c: ImportChoices): boolean {
  if (c.source === 'sample') return c.records.length > 0;
  if (c.source === 'synthetic') return c.syntheticPatients >= 3;
  return pathList(c.paths).length > 0;
}

export function describeSource(c: ImportChoices): string {
  switch (c.source) {
    case 'sample':
      return `bundled MIT-BIH records ${c.records.join(', ')}`;
    case 'synthetic':
      return `${c.syntheticPatients} synthetic patients`;
    case 'table':
      return `one row per beat at ${c.tableFs} Hz from ${pathList(c.paths).join(', ')}`;
    default:
      return pathList(c.paths).join(', ');
  }
}
