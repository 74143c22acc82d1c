/**
 * Path fields: what the desktop app's preload offers (the system's dialog, the path of a dropped file), and the
 * text handling shared by one-path and one-per-line fields. In a plain browser neither is available: the
 * picker then browses the disk through the engine (files.list), and a drop cannot give a path.
 */
export type PathKind = 'file' | 'folder';
export type PathExpectation = PathKind | 'any';

export interface DesktopPaths {
  pickPath(request: {
    kind: PathKind;
    multiple?: boolean;
    title?: string;
    extensions?: string[];
  }): Promise<{ paths: string[]; refused?: string }>;
  pathForFile(file: File): string;
}

export function desktopPaths(): DesktopPaths | undefined {
  const bridge = (window as unknown as { attest?: Partial<DesktopPaths> }).attest;
  return typeof bridge?.pickPath === 'function' && typeof bridge.pathForFile === 'function'
    ? (bridge as DesktopPaths)
    : undefined;
}

/** The paths of a field: one per line, blank lines and surrounding spaces ignored. */
export function splitPaths(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** The field's text after choosing or dropping paths: appended (once each) to a list, or replacing one path. */
export function withPaths(text: string, added: readonly string[], multiple: boolean): string {
  if (!multiple) return added[0] ?? text;
  const lines = splitPaths(text);
  for (const path of added) if (!lines.includes(path)) lines.push(path);
  return lines.join('\n');
}

/** The message for a drop that gave no paths (a plain browser only tells the page the files' names). */
export const DROP_WITHOUT_PATHS =
  'This browser does not tell Attest where dropped files are: use “Browse…” or type the path.';

/** Paths of dropped files and folders where the desktop app knows them; none in a plain browser. */
export function droppedPaths(
  files: FileList | null | undefined,
  desktop: DesktopPaths | undefined,
): string[] {
  if (files === null || files === undefined || desktop === undefined) return [];
  const paths: string[] = [];
  for (const file of Array.from(files)) {
    const path = desktop.pathForFile(file);
    if (path !== '') paths.push(path);
  }
  return paths;
}

/** A size for the browser's listing: bytes, kB, MB, GB with one decimal, as the path check says it. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
