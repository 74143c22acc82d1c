/** Numbers as people read them, always with their unit. */

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${(value * 100).toFixed(digits)} %`;
}

/**
 * A difference of two percentages, in percentage points, with its sign (a true minus sign): −5.8 points. Never
 * a percent sign, which would read as a relative change.
 */
export function formatPoints(points: number | null | undefined, digits = 1): string {
  if (points === null || points === undefined || !Number.isFinite(points)) return '–';
  const rounded = points.toFixed(digits);
  if (Number(rounded) === 0) return `±${(0).toFixed(digits)} points`;
  return `${points > 0 ? '+' : '−'}${Math.abs(points).toFixed(digits)} points`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A count with its noun: "1 epoch", "10 epochs" (never "1 epochs"). */
export function countOf(value: number, one: string, many: string): string {
  return `${formatCount(value)} ${value === 1 ? one : many}`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating…';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatFlops(flops: number | null): string {
  if (flops === null || !Number.isFinite(flops)) return '–';
  if (flops >= 1e9) return `${(flops / 1e9).toFixed(2)} GFLOPs`;
  if (flops >= 1e6) return `${(flops / 1e6).toFixed(2)} MFLOPs`;
  return `${(flops / 1e3).toFixed(1)} kFLOPs`;
}

export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}
