import { readFileSync } from 'node:fs';
import { badInput } from '../../errors.js';

/** One object box of a Pascal VOC annotation, pixel coordinates 1-based inclusive as VOC writes them. */
export interface VocObject {
  name: string;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  difficult: boolean;
}

export interface VocAnnotation {
  file: string;
  filename: string;
  folder?: string;
  width?: number;
  height?: number;
  objects: VocObject[];
}

function tag(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1]?.trim();
}

function unescape(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Reads the VOC subset Attest needs: filename, folder, size and each object's name and bounding box. */
export function parseVocXml(text: string, file: string): VocAnnotation {
  if (!/<annotation[\s>]/.test(text))
    throw badInput('not a Pascal VOC annotation (no <annotation> element)', file);
  const filename = tag(text, 'filename');
  if (filename === undefined || filename === '') throw badInput('VOC annotation has no <filename>', file);
  const size = tag(text, 'size');
  const number = (value: string | undefined, what: string): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n))
      throw badInput(`VOC ${what} is missing or not a number ("${value ?? ''}")`, file);
    return n;
  };
  const objects: VocObject[] = [];
  for (const match of text.matchAll(/<object(?:\s[^>]*)?>([\s\S]*?)<\/object>/g)) {
    const body = match[1] as string;
    const name = unescape(tag(body, 'name') ?? '');
    if (name === '') throw badInput(`VOC object ${objects.length + 1} has no <name>`, file);
    const box = tag(body, 'bndbox');
    if (box === undefined) throw badInput(`VOC object "${name}" has no <bndbox>`, file);
    const o = {
      name,
      xmin: number(tag(box, 'xmin'), `object "${name}" xmin`),
      ymin: number(tag(box, 'ymin'), `object "${name}" ymin`),
      xmax: number(tag(box, 'xmax'), `object "${name}" xmax`),
      ymax: number(tag(box, 'ymax'), `object "${name}" ymax`),
      difficult: tag(body, 'difficult') === '1',
    };
    if (!(o.xmax > o.xmin && o.ymax > o.ymin))
      throw badInput(
        `VOC object "${name}" box (${o.xmin},${o.ymin})-(${o.xmax},${o.ymax}) is empty or inverted`,
        file,
      );
    objects.push(o);
  }
  const folder = tag(text, 'folder');
  return {
    file,
    filename: unescape(filename),
    ...(folder !== undefined ? { folder: unescape(folder) } : {}),
    ...(size !== undefined
      ? { width: number(tag(size, 'width'), 'width'), height: number(tag(size, 'height'), 'height') }
      : {}),
    objects,
  };
}

export function readVocXml(path: string): VocAnnotation {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw badInput(`cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, path);
  }
  return parseVocXml(text, path);
}

/** Pixel rectangle (0-based, exclusive end) of a box, checked to lie inside its image. */
export function boxRectangle(
  o: VocObject,
  width: number,
  height: number,
  file: string,
): { x: number; y: number; width: number; height: number } {
  // VOC boxes are 1-based and inclusive; tools differ, so allow the box to touch either edge.
  const x0 = Math.floor(o.xmin) - 1;
  const y0 = Math.floor(o.ymin) - 1;
  const x1 = Math.ceil(o.xmax);
  const y1 = Math.ceil(o.ymax);
  if (x0 < -1 || y0 < -1 || x1 > width + 1 || y1 > height + 1)
    throw badInput(
      `VOC object "${o.name}" box (${o.xmin},${o.ymin})-(${o.xmax},${o.ymax}) lies outside the ${width} x ${height} image`,
      file,
    );
  const x = Math.max(0, x0);
  const y = Math.max(0, y0);
  return { x, y, width: Math.max(1, Math.min(width, x1) - x), height: Math.max(1, Math.min(height, y1) - y) };
}
