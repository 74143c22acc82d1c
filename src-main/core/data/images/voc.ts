import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
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

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (_name, path) => path === 'annotation.object',
});

const PREDEFINED_ENTITY = /^&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

/**
 * Refuses what a strict VOC reader must not take: a malformed or cut-off file (a frame whose objects were cut
 * off would count its misses as false alarms), a DOCTYPE (entity expansion, external files) or any entity
 * beyond XML's five and character references.
 */
function checkXml(text: string, file: string): void {
  if (/<!DOCTYPE/i.test(text))
    throw badInput('VOC XML with a DOCTYPE is refused (entities are not expanded)', file);
  if (/<!ENTITY/i.test(text)) throw badInput('VOC XML declaring an entity is refused', file);
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1))
    if (!PREDEFINED_ENTITY.test(text.slice(at, at + 12)))
      throw badInput(
        `VOC XML refers to an entity "${text.slice(at, at + 20).split(/[\s<]/)[0] ?? '&'}" (only &lt; &gt; &amp; &quot; &apos; and character references are allowed)`,
        file,
      );
  const verdict = XMLValidator.validate(text);
  if (verdict !== true)
    throw badInput(
      `malformed VOC XML at line ${verdict.err.line}, column ${verdict.err.col}: ${verdict.err.msg} (a cut-off or damaged file?)`,
      file,
    );
}

type Node = unknown;

/** A text field: missing is undefined, an element holding elements or repeated is refused. */
function field(node: Node, name: string, where: string, file: string): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const value = (node as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value).trim();
  throw badInput(
    `VOC ${where}<${name}> ${Array.isArray(value) ? 'appears more than once' : 'holds elements instead of text'}`,
    file,
  );
}

function child(node: Node, name: string): Node {
  return node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[name] : undefined;
}

/** Reads the VOC subset Attest needs: filename, folder, size and each object's name and bounding box. */
export function parseVocXml(text: string, file: string): VocAnnotation {
  checkXml(text, file);
  let document: Record<string, unknown>;
  try {
    document = parser.parse(text) as Record<string, unknown>;
  } catch (error) {
    // The validator lets a few damaged forms through (an unclosed <?xml ... ?>) that the parser then trips on.
    throw badInput(`malformed VOC XML: ${error instanceof Error ? error.message : String(error)}`, file);
  }
  const root = document['annotation'];
  if (root === undefined) throw badInput('not a Pascal VOC annotation (no <annotation> element)', file);
  const filename = field(root, 'filename', '', file);
  if (filename === undefined || filename === '') throw badInput('VOC annotation has no <filename>', file);
  const number = (value: string | undefined, what: string): number => {
    const n = Number(value);
    if (value === undefined || value === '' || !Number.isFinite(n))
      throw badInput(`VOC ${what} is missing or not a number ("${value ?? ''}")`, file);
    return n;
  };
  const objects: VocObject[] = [];
  for (const body of (child(root, 'object') as Node[] | undefined) ?? []) {
    const name = field(body, 'name', `object ${objects.length + 1} `, file) ?? '';
    if (name === '') throw badInput(`VOC object ${objects.length + 1} has no <name>`, file);
    const box = child(body, 'bndbox');
    if (box === undefined || box === null || typeof box !== 'object' || Array.isArray(box))
      throw badInput(`VOC object "${name}" has no <bndbox> (or more than one)`, file);
    const coordinate = (key: string) =>
      number(field(box, key, `object "${name}" `, file), `object "${name}" ${key}`);
    const o = {
      name,
      xmin: coordinate('xmin'),
      ymin: coordinate('ymin'),
      xmax: coordinate('xmax'),
      ymax: coordinate('ymax'),
      difficult: field(body, 'difficult', `object "${name}" `, file) === '1',
    };
    if (!(o.xmax > o.xmin && o.ymax > o.ymin))
      throw badInput(
        `VOC object "${name}" box (${o.xmin},${o.ymin})-(${o.xmax},${o.ymax}) is empty or inverted`,
        file,
      );
    objects.push(o);
  }
  const folder = field(root, 'folder', '', file);
  const size = child(root, 'size');
  return {
    file,
    filename,
    ...(folder !== undefined && folder !== '' ? { folder } : {}),
    ...(size !== undefined
      ? {
          width: number(field(size, 'width', 'size ', file), 'width'),
          height: number(field(size, 'height', 'size ', file), 'height'),
        }
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
