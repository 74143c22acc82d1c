// The few Plotly functions the UI uses; the strict bundle ships without type declarations.
declare module 'plotly.js-strict-dist-min' {
  export type Data = Record<string, unknown>;
  export type Layout = Record<string, unknown>;
  export type Config = Record<string, unknown>;
  export function react(root: HTMLElement, data: Data[], layout?: Layout, config?: Config): Promise<unknown>;
  export function purge(root: HTMLElement): void;
  export function downloadImage(
    root: HTMLElement,
    options: { format: 'png' | 'svg'; filename: string },
  ): Promise<string>;
  const Plotly: {
    react: typeof react;
    purge: typeof purge;
    downloadImage: typeof downloadImage;
    Icons: Record<'camera', unknown>;
    Plots: { resize(root: HTMLElement): void };
  };
  export default Plotly;
}
