import type { Config } from 'plotly.js-strict-dist-min';

type PlotlyModule = typeof import('plotly.js-strict-dist-min');

let loading: Promise<PlotlyModule['default']> | undefined;

/**
 * Plotly is most of the UI's code (about 5 MB): it is fetched, from the app's own files, when the first chart
 * is drawn, so that the first page paints without waiting for it.
 */
export function loadPlotly(): Promise<PlotlyModule['default']> {
  loading ??= import('plotly.js-strict-dist-min').then((module) => module.default);
  return loading;
}

/** A file name from a chart's title: letters, digits and dashes. */
function fileName(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return slug === '' ? 'chart' : slug.slice(0, 80);
}

/**
 * The one mode bar of every chart. An offline tool for patient data offers no way to send a chart anywhere:
 * Plotly's "Share chart" (an upload to Plotly's cloud, on by default in Plotly 4) is switched off and its
 * server address emptied, its logo (a link to plotly.com) is hidden, and the buttons are listed explicitly, so
 * that a later Plotly cannot add one. What is left is what people use: save as PNG or SVG, zoom, pan, reset.
 */
export function chartConfig(plotly: PlotlyModule['default'], title: string): Config {
  const filename = fileName(title);
  const svgButton = {
    name: 'downloadSvg',
    title: 'Download as SVG (for a report)',
    icon: plotly.Icons.camera,
    click: (root: HTMLElement) => void plotly.downloadImage(root, { format: 'svg', filename }),
  };
  return {
    displaylogo: false,
    showSendToCloud: false,
    plotlyServerURL: '',
    responsive: true,
    toImageButtonOptions: { format: 'png', filename, scale: 2 },
    modeBarButtons: [['toImage', svgButton], ['zoom2d', 'pan2d', 'zoomIn2d', 'zoomOut2d'], ['resetScale2d']],
  };
}
