/**
 * Grouped bars with model or method names under them: the legend goes above the plot, so that long, tilted
 * category names below never run into it.
 */
export const GROUPED_BARS = {
  barmode: 'group',
  legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
  margin: { l: 60, r: 20, t: 40, b: 50 },
  xaxis: { automargin: true, type: 'category' },
} as const;
