import { readFileSync } from 'node:fs';
import { badInput } from '../../errors.js';

/** Beat annotations from a CSV: a header row naming `time` (seconds) or `sample`, and `label` (MIT-BIH symbol). */
export function readBeatCsv(path: string, fs: number): { sample: number; symbol: string }[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = (lines[0] ?? '').split(',').map((c) => c.trim().toLowerCase());
  const timeColumn = head.indexOf('time');
  const sampleColumn = head.indexOf('sample');
  const labelColumn = head.indexOf('label');
  if (labelColumn < 0 || (timeColumn < 0 && sampleColumn < 0))
    throw badInput('line 1 must name the columns: time or sample, and label', path);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== head.length)
      throw badInput(`line ${i + 2} has ${cells.length} cells, the header ${head.length}`, path);
    const position = Number(cells[sampleColumn >= 0 ? sampleColumn : timeColumn]);
    if (!Number.isFinite(position) || position < 0)
      throw badInput(
        `line ${i + 2}: "${cells[sampleColumn >= 0 ? sampleColumn : timeColumn]}" is not a time`,
        path,
      );
    return {
      sample: sampleColumn >= 0 ? Math.round(position) : Math.round(position * fs),
      symbol: cells[labelColumn] ?? '',
    };
  });
}
