import { badInput } from '../../errors.js';

export interface NumericTable {
  header: string[] | undefined;
  rows: number;
  columns: number;
  /** Row-major values; a label column may hold text, kept apart in `text`. */
  values: Float64Array;
  /** Text cells of the columns listed in `textColumns`, row-major per column. */
  text: Map<number, string[]>;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Reads a CSV of numbers (comma, semicolon or tab separated; a header row is recognised when its cells are not
 * numbers). Columns in `textColumns` (negative counts from the end) may hold text such as beat labels. Every row
 * must have the same number of cells; a ragged row, a non-numeric cell or one out of range (1e999) is an error
 * naming line and column.
 */
export function parseNumericCsv(text: string, file: string, textColumns: number[] = []): NumericTable {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  if (lines.length === 0) throw badInput('the CSV file is empty', file);
  const first = lines[0] as string;
  const separator = first.includes(',') ? ',' : first.includes(';') ? ';' : first.includes('\t') ? '\t' : ',';
  const split = (line: string): string[] => line.split(separator).map((c) => c.trim());
  const firstCells = split(first);
  const isHeader = firstCells.some((c) => c !== '' && !NUMBER.test(c));
  const header = isHeader ? firstCells : undefined;
  const columns = firstCells.length;
  const textSet = new Set(textColumns.map((c) => (c < 0 ? columns + c : c)));
  const body = isHeader ? lines.slice(1) : lines;
  if (body.length === 0) throw badInput('the CSV file has a header but no data row', file);
  const values = new Float64Array(body.length * columns);
  const textCells = new Map<number, string[]>([...textSet].map((c) => [c, [] as string[]]));
  body.forEach((line, r) => {
    const lineNumber = r + (isHeader ? 2 : 1);
    const cells = split(line);
    if (cells.length !== columns)
      throw badInput(
        `line ${lineNumber} has ${cells.length} cells, the first line ${columns} (ragged rows)`,
        file,
      );
    cells.forEach((cell, c) => {
      if (textSet.has(c)) {
        (textCells.get(c) as string[]).push(cell);
        values[r * columns + c] = NUMBER.test(cell) ? Number(cell) : NaN;
        return;
      }
      if (!NUMBER.test(cell))
        throw badInput(`line ${lineNumber}, column ${c + 1}: "${cell.slice(0, 40)}" is not a number`, file);
      const value = Number(cell);
      // "1e999" is written like a number but reads as infinity: stored, it would poison every statistic.
      if (!Number.isFinite(value))
        throw badInput(
          `line ${lineNumber}, column ${c + 1}: "${cell.slice(0, 40)}" is beyond the range of a number (infinite values are refused)`,
          file,
        );
      values[r * columns + c] = value;
    });
  });
  return { header, rows: body.length, columns, values, text: textCells };
}
