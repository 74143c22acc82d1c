/** Minimal HTML building with escaping by default: report text comes from user-named datasets and files. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function table(headers: string[], rows: unknown[][], options: { numeric?: boolean } = {}): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => `<td${options.numeric === true && i > 0 ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function formatNumber(value: unknown, digits = 4): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function formatPercent(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(1)}%`;
}

/** An inline SVG line chart (no script, no remote resource): x numeric, one polyline per series. */
export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; points: { x: number; y: number }[] }[];
  yMin?: number;
  yMax?: number;
  reverseX?: boolean;
}): string {
  // The legend sits right of the plot: make room for its longest name (about 6.5 px per character at 11 px).
  const longestName = Math.max(0, ...options.series.map((s) => s.name.length));
  const pad = { left: 52, right: Math.max(140, 36 + Math.ceil(longestName * 6.5)), top: 28, bottom: 40 };
  const width = 380 + pad.right;
  const height = 260;
  const xs = options.series.flatMap((s) => s.points.map((p) => p.x));
  if (xs.length === 0) return '';
  const ys = options.series.flatMap((s) => s.points.map((p) => p.y));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMin = options.yMin ?? Math.min(...ys);
  const yMax = options.yMax ?? Math.max(...ys);
  const px = (x: number): number => {
    const t = xMax === xMin ? 0.5 : (x - xMin) / (xMax - xMin);
    return pad.left + (options.reverseX === true ? 1 - t : t) * (width - pad.left - pad.right);
  };
  const py = (y: number): number =>
    pad.top + (1 - (yMax === yMin ? 0.5 : (y - yMin) / (yMax - yMin))) * (height - pad.top - pad.bottom);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const ticksX = [...new Set(xs)].sort((a, b) => a - b);
  const ticksY = [0, 0.25, 0.5, 0.75, 1].map((t) => yMin + t * (yMax - yMin));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<text x="${width / 2 - 60}" y="16" font-size="13" font-weight="bold">${escapeHtml(options.title)}</text>`,
    ...ticksY.map(
      (y) =>
        `<line x1="${pad.left}" x2="${width - pad.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/><text x="${pad.left - 6}" y="${py(y) + 4}" font-size="10" text-anchor="end">${y.toFixed(2)}</text>`,
    ),
    ...ticksX.map(
      (x) =>
        `<text x="${px(x)}" y="${height - pad.bottom + 14}" font-size="10" text-anchor="middle">${x}</text>`,
    ),
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 6}" font-size="11" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
    `<text x="12" y="${height / 2}" font-size="11" transform="rotate(-90 12 ${height / 2})" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`,
  ];
  options.series.forEach((series, i) => {
    const color = colors[i % colors.length] ?? '#000';
    const sorted = [...series.points].sort((a, b) => a.x - b.x);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`,
    );
    parts.push(
      ...sorted.map(
        (p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`,
      ),
    );
    parts.push(
      `<rect x="${width - pad.right + 10}" y="${pad.top + i * 18}" width="12" height="3" fill="${color}"/><text x="${width - pad.right + 26}" y="${pad.top + i * 18 + 5}" font-size="11">${escapeHtml(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
