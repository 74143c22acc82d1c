import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { badInput } from '../../errors.js';
import type { VocAnnotation } from './voc.js';

/*
 * A VOC <filename> is text from a file someone else wrote: "../../x.png" would make an import read (and hash,
 * and train on) a file outside the dataset. Every image an annotation names must lie inside the folder the
 * user gave, or inside the VOC folder when that was its Annotations folder (images in ../JPEGImages).
 */

/** The folder an input's images must stay inside. */
export function vocDatasetRoot(input: string): string {
  const full = resolve(input);
  const folder = existsSync(full) && statSync(full).isDirectory() ? full : dirname(full);
  return basename(folder) === 'Annotations' ? dirname(folder) : folder;
}

/**
 * Compared by path, as the folder walk follows links: a link the user put inside the dataset is theirs to make,
 * a name in an annotation is not.
 */
function inside(root: string, path: string): boolean {
  const rel = relative(root, resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The image an annotation names: beside its XML, in ../JPEGImages (the VOC layout), or in the folder the XML
 * names, the first that exists inside `root`. One that exists only outside is refused, naming the XML.
 */
export function locateVocImage(xml: string, annotation: VocAnnotation, root: string): string {
  const candidates = [
    join(dirname(xml), annotation.filename),
    join(dirname(xml), '..', 'JPEGImages', annotation.filename),
    ...(annotation.folder !== undefined
      ? [join(dirname(xml), '..', annotation.folder, annotation.filename)]
      : []),
  ].filter((p) => existsSync(p));
  const found = candidates.find((p) => inside(root, p));
  if (found !== undefined) return found;
  if (candidates.length > 0)
    throw badInput(
      `the image "${annotation.filename}" it names lies outside the dataset folder ${root}: refused`,
      xml,
    );
  throw badInput(
    `the image "${annotation.filename}" it annotates is not found beside it or in ../JPEGImages`,
    xml,
  );
}
