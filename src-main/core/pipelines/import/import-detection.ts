import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import type { Workspace } from '../../store/workspace.js';
import { type DatasetGroup, type SourceFileRow } from '../../store/datasets.js';
import { encodeTensorBundle } from '../../store/tensor-bundle.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { sha256Hex } from '../../util/hash.js';
import { SPLIT_CODES } from '../../data/sample-dataset.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { readVocXml, boxRectangle, type VocObject } from '../../data/images/voc.js';
import { locateVocImage, vocDatasetRoot } from '../../data/images/voc-image-path.js';
import { readImageFile } from '../../data/images/read-image.js';
import { withChannels } from '../../data/images/decoded-image.js';
import { resizeImage } from '../../data/images/preprocess.js';
import { walkFiles } from '../../data/images/walk-folder.js';
import { chooseTestGroups } from '../../data/images/image-splits.js';
import { DETECTION_DATASET_KIND } from '../../detect/detection-dataset.js';
import { vocToBox } from '../../detect/boxes.js';
import { persistDataset } from '../../persist/persist-dataset.js';

export const DETECTION_IMPORTER_VERSION = 'detection-voc/1';

export interface ImportDetectionOptions {
  /** VOC annotation folders or .xml files; each image beside its XML, in ../JPEGImages or the named folder. */
  inputs: string[];
  name: string;
  /** Frames larger than this (longest side, px) are shrunk to it at import; smaller ones are kept as they are. */
  maxSide?: number;
  /** The group of a frame: its folder (a flight, the default) or the image itself. */
  groupBy?: 'folder' | 'image';
  split?: { seed: number; testFraction: number };
  /** Class order (every object name must be among them); default: the names found, sorted. */
  classNames?: string[];
}

export interface ImportDetectionResult {
  datasetId: string;
  name: string;
  frames: number;
  boxes: number;
  classes: string[];
  groups: number;
  groupKind: 'flight' | 'image';
  splits: Record<'train' | 'test', { frames: number; boxes: Record<string, number>; groups: number }>;
  maxSide: number;
  resizedFrames: number;
  warnings: string[];
  dataSha256: string;
}

interface ReadFrame {
  name: string;
  group: string;
  width: number;
  height: number;
  scale: number;
  pixels: Uint8Array;
  objects: { object: VocObject; box: [number, number, number, number] }[];
}

async function readFrame(
  xml: string,
  root: string,
  maxSide: number,
  groupBy: 'folder' | 'image',
  sources: SourceFileRow[],
): Promise<ReadFrame> {
  const annotation = readVocXml(xml);
  const imagePath = locateVocImage(xml, annotation, vocDatasetRoot(root));
  const read = await readImageFile(imagePath);
  const { width, height } = read.image;
  if (
    annotation.width !== undefined &&
    annotation.height !== undefined &&
    annotation.width > 0 &&
    (annotation.width !== width || annotation.height !== height)
  )
    throw badInput(
      `<size> says ${annotation.width} x ${annotation.height}, the image ${basename(imagePath)} is ${width} x ${height}`,
      xml,
    );
  for (const o of annotation.objects) boxRectangle(o, width, height, xml); // refuses boxes outside the image
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const storedWidth = Math.max(1, Math.round(width * scale));
  const storedHeight = Math.max(1, Math.round(height * scale));
  let image = withChannels(read.image, 3);
  if (scale < 1) image = resizeImage(image, storedHeight, storedWidth);
  const pixels = Uint8Array.from(image.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  const sx = storedWidth / width;
  const sy = storedHeight / height;
  // A flight is the folder of the annotation (the image may sit in ../JPEGImages in the VOC layout).
  const group =
    groupBy === 'folder' ? relative(root, dirname(xml)) || basename(dirname(xml)) : relative(root, imagePath);
  sources.push(
    { record: group, path: xml, size: statSync(xml).size, sha256: sha256Hex(readFileSync(xml)) },
    { record: group, path: imagePath, size: read.bytes.byteLength, sha256: sha256Hex(read.bytes) },
  );
  return {
    name: relative(root, imagePath),
    group,
    width: storedWidth,
    height: storedHeight,
    scale: sx,
    pixels,
    objects: annotation.objects.map((object) => {
      const b = vocToBox(object);
      return {
        object,
        box: [
          Math.max(0, b.x0) * sx,
          Math.max(0, b.y0) * sy,
          Math.min(width, b.x1) * sx,
          Math.min(height, b.y1) * sy,
        ],
      };
    }),
  };
}

/** The options, checked before anything is read: the name, --max-side, the grouping, the split and the inputs. */
function checkedOptions(o: ImportDetectionOptions) {
  const name = o.name.trim();
  if (name === '' || name.length > 200) throw badInput('--name must be 1 to 200 characters');
  if (o.inputs.length === 0) throw badInput('import detection needs at least one folder or .xml file');
  const maxSide = o.maxSide ?? 320;
  if (!Number.isInteger(maxSide) || maxSide < 32 || maxSide > 4096)
    throw badInput(`--max-side must be an integer from 32 to 4096, got ${maxSide}`);
  const roots = o.inputs.map((input) => {
    const full = resolve(input);
    if (!existsSync(full)) throw badInput('no such file or folder', full);
    return full;
  });
  return {
    name,
    maxSide,
    groupBy: o.groupBy ?? 'folder',
    split: o.split ?? { seed: 1, testFraction: 0.3 },
    roots,
  };
}

/** Every VOC .xml under the inputs, each with the folder it was found from (a file's own folder). */
function findAnnotations(roots: string[], inputs: string[]): { xml: string; root: string }[] {
  const xmls = roots.flatMap((full) =>
    statSync(full).isDirectory()
      ? walkFiles(full, (p) => /\.xml$/i.test(p)).map((xml) => ({ xml, root: full }))
      : [{ xml: full, root: dirname(full) }],
  );
  if (xmls.length === 0) throw badInput(`no VOC .xml annotation under ${inputs.join(', ')}`);
  return xmls;
}

/** The class order: the names found, sorted, or --classes when it names every one of them. */
function chooseClasses(frames: ReadFrame[], classNames: string[] | undefined): string[] {
  const found = [...new Set(frames.flatMap((f) => f.objects.map((x) => x.object.name)))].sort();
  if (found.length === 0) throw badInput('the annotations hold no object box');
  let classes = found;
  if (classNames !== undefined) {
    if (new Set(classNames).size !== classNames.length) throw badInput('--classes repeats a name');
    const unknown = found.filter((c) => !classNames.includes(c));
    if (unknown.length > 0)
      throw badInput(`--classes lacks the object name(s) ${unknown.join(', ')} found in the annotations`);
    classes = classNames;
  }
  if (classes.length > 64) throw badInput(`found ${classes.length} object names; at most 64 are supported`);
  return classes;
}

/** Whole groups (flights, or images) go to test, so that frames of one flight never sit on both sides. */
function splitByGroup(
  frames: ReadFrame[],
  groupBy: 'folder' | 'image',
  split: { seed: number; testFraction: number },
) {
  const groupNames = [...new Set(frames.map((f) => f.group))].sort();
  const sizes = new Map(groupNames.map((g) => [g, frames.filter((f) => f.group === g).length]));
  if (groupNames.length < 2 && groupBy === 'folder')
    throw badInput(
      `every annotation sits in one folder (${groupNames[0] ?? ''}), so there is one flight only: put each flight in its own folder, or split by image with --group-by image (frames of one flight may then sit on both sides)`,
    );
  const test = chooseTestGroups(sizes, split.seed, split.testFraction);
  const splitCodes = Uint8Array.from(frames, (f) =>
    test.has(f.group) ? SPLIT_CODES.test : SPLIT_CODES.train,
  );
  for (const side of ['train', 'test'] as const)
    if (!splitCodes.includes(SPLIT_CODES[side]))
      throw badInput(`the split leaves no frame in ${side}; import more flights or change --split`);
  return { groupNames, test, splitCodes };
}

/** Every box with its frame, and the frames, boxes per class and groups of each side and of each group. */
function countBoxes(
  frames: ReadFrame[],
  classes: string[],
  groupNames: string[],
  test: Set<string>,
  splitCodes: Uint8Array,
) {
  const all = frames.flatMap((f, frame) => f.objects.map((x) => ({ ...x, frame })));
  const boxCounts = (members: number[]) =>
    Object.fromEntries(
      classes.map((c) => [c, all.filter((b) => b.object.name === c && members.includes(b.frame)).length]),
    );
  const splits = Object.fromEntries(
    (['train', 'test'] as const).map((side) => {
      const members = frames.map((_, i) => i).filter((i) => splitCodes[i] === SPLIT_CODES[side]);
      return [
        side,
        {
          frames: members.length,
          boxes: boxCounts(members),
          groups: new Set(members.map((i) => frames[i]?.group)).size,
        },
      ];
    }),
  ) as ImportDetectionResult['splits'];
  const groupRows: DatasetGroup[] = groupNames.map((g) => {
    const members = frames.map((_, i) => i).filter((i) => frames[i]?.group === g);
    return {
      name: g,
      split: test.has(g) ? 'test' : 'train',
      samples: members.length,
      classCounts: boxCounts(members),
    };
  });
  return { all, splits, groupRows };
}

/** The frames' pixels and every box, with the names that read them back, as one tensor bundle. */
function encodeDetectionBundle(
  frames: ReadFrame[],
  all: { object: VocObject; box: number[]; frame: number }[],
  names: { classes: string[]; groupNames: string[]; groupKind: 'flight' | 'image'; maxSide: number },
  splitCodes: Uint8Array,
): Uint8Array {
  const pixels = new Uint8Array(frames.reduce((n, f) => n + f.pixels.length, 0));
  let offset = 0;
  for (const f of frames) {
    pixels.set(f.pixels, offset);
    offset += f.pixels.length;
  }
  return encodeTensorBundle(
    {
      pixels,
      frameWidth: Int32Array.from(frames, (f) => f.width),
      frameHeight: Int32Array.from(frames, (f) => f.height),
      frameScale: Float32Array.from(frames, (f) => f.scale),
      frameGroup: Int32Array.from(frames, (f) => names.groupNames.indexOf(f.group)),
      split: splitCodes,
      boxes: Float32Array.from(all.flatMap((b) => b.box)),
      boxFrame: Int32Array.from(all, (b) => b.frame),
      boxClass: Uint8Array.from(all, (b) => names.classes.indexOf(b.object.name)),
      boxDifficult: Uint8Array.from(all, (b) => (b.object.difficult ? 1 : 0)),
    },
    {
      kind: DETECTION_DATASET_KIND,
      classes: names.classes,
      groups: names.groupNames,
      groupKind: names.groupKind,
      frameNames: frames.map((f) => f.name),
      maxSide: names.maxSide,
    },
  );
}

/**
 * Imports Pascal VOC frames with their boxes as a detection dataset: every XML and image hashed, frames shrunk to
 * --max-side, split by flight folder (or image) so that frames of one flight never sit on both sides, stored as
 * one bundle with the dataset row, its sources and the audit event in one transaction. Nothing is stored unless
 * every file reads.
 */
export async function importDetectionDataset(
  workspace: Workspace,
  o: ImportDetectionOptions,
  context: JobContext,
): Promise<ImportDetectionResult> {
  const { name, maxSide, groupBy, split, roots } = checkedOptions(o);
  const xmls = findAnnotations(roots, o.inputs);
  const sources: SourceFileRow[] = [];
  const frames: ReadFrame[] = [];
  for (const [i, { xml, root }] of xmls.entries()) {
    throwIfCancelled(context.signal);
    context.progress((0.9 * i) / xmls.length, `reading ${basename(xml)}`);
    frames.push(await readFrame(xml, root, maxSide, groupBy, sources));
  }
  const classes = chooseClasses(frames, o.classNames);
  const { groupNames, test, splitCodes } = splitByGroup(frames, groupBy, split);
  const { all, splits, groupRows } = countBoxes(frames, classes, groupNames, test, splitCodes);
  const groupKind = groupBy === 'folder' ? ('flight' as const) : ('image' as const);
  const bundle = encodeDetectionBundle(frames, all, { classes, groupNames, groupKind, maxSide }, splitCodes);
  throwIfCancelled(context.signal);
  const params = {
    inputs: o.inputs,
    maxSide,
    groupBy,
    split: { kind: 'groups', ...split },
    ...(o.classNames !== undefined ? { classNames: o.classNames } : {}),
  };
  const resizedFrames = frames.filter((f) => f.scale < 1).length;
  const warnings =
    groupBy === 'image'
      ? [
          'split by image: frames of one flight may sit on both sides, so test figures may be optimistic (neighbouring video frames look alike)',
        ]
      : [];
  const summary = {
    frames: frames.length,
    boxes: all.length,
    classes,
    groups: groupRows.length,
    groupKind,
    splits,
    maxSide,
    resizedFrames,
    warnings,
  };
  const datasetId = newId('ds');
  const wasStored = workspace.artifacts.has(sha256Hex(bundle));
  const stored = workspace.artifacts.put(bundle);
  persistDataset(
    workspace,
    { sha256: stored.sha256, createdNow: !wasStored },
    {
      id: datasetId,
      name,
      kind: DETECTION_DATASET_KIND,
      createdAt: utcNow(),
      importerVersion: DETECTION_IMPORTER_VERSION,
      params,
      summary,
      dataSha256: stored.sha256,
    },
    sources,
    groupRows,
    {
      frames: frames.length,
      boxes: all.length,
      groups: groupRows.length,
      splits: { train: splits.train.frames, test: splits.test.frames },
    },
  );
  context.progress(1, 'imported');
  return {
    datasetId,
    name,
    frames: frames.length,
    boxes: all.length,
    classes,
    groups: groupRows.length,
    groupKind,
    splits,
    maxSide,
    resizedFrames,
    warnings,
    dataSha256: stored.sha256,
  };
}
