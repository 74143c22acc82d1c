import type { ModelMeasurement } from './measure-model.js';

/** The parent-beside-child table of measured figures, for terminal output and reports. */
export function figuresTable(parent: ModelMeasurement, child: ModelMeasurement): string {
  const rows: [string, (m: ModelMeasurement) => number, (v: number) => string][] = [
    ['bytes on disk', (m) => m.sizeBytes, String],
    ['bytes gzipped', (m) => m.gzipBytes, String],
    ['parameters', (m) => m.params, String],
    ['nonzero parameters', (m) => m.nonzeroParams, String],
    ['FLOPs per sample', (m) => m.flops, (v) => v.toExponential(3)],
    ['sparse FLOPs per sample', (m) => m.sparseFlops, (v) => v.toExponential(3)],
    [`latency ms (batch 1, ${parent.backend})`, (m) => m.latencyMs, (v) => v.toFixed(3)],
    ['ms per sample (batch 32)', (m) => m.batchedMsPerSample, (v) => v.toFixed(4)],
  ];
  const lines = rows.map(([name, get, fmt]) => {
    const a = get(parent);
    const b = get(child);
    const ratio = b > 0 ? (a / b).toFixed(2) + 'x' : '-';
    return [name, fmt(a), fmt(b), ratio];
  });
  const all = [['', 'parent', 'child', 'parent/child'], ...lines];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}
