import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import type { SourceFileRow } from '../../store/datasets.js';
import { AttestError, badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { SPLIT_CODES } from '../sample-dataset.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { readImageFile, isImagePath } from './read-image.js';
import { looksLikeDicom } from '../dicom/read-dicom.js';
import { classFolderSources, csvSources, type ImageSource } from './sample-sources.js';
import { walkFiles } from './walk-folder.js';
import { boxRectangle, readVocXml } from './voc.js';
import { locateVocImage, vocDatasetRoot } from './voc-image-path.js';
import { medmnistSplits, readNpz, type NpzImageSplit } from './npz.js';
import { cropImage, fitImage, type ImagePreprocessing } from './preprocess.js';
import { storedPixels, type ImageDatasetFacts } from './image-dataset-store.js';
import type { DecodedImage } from './decoded-image.js';
import type { PixelSpill } from './pixel-spill.js';
import type { ImportImagesOptions } from './image-import-options.js';
import { MAX_FITTED_VALUES, MAX_IMAGE_PIXELS } from '../import-limits.js';

/*
 * The readers behind each import format: they turn paths into fitted samples with their label and group, hash
 * every source, and (with --skip-bad) set aside what does not read. Nothing here touches the store.
 */

/** One image read from disk, fitted, with what its file says about its group. */
export interface Collected {
  /** The sample's index in the collection's spill (fitted pixels as stored: 16-bit fractions of [0, 1]). */
  sample: number;
  label: string;
  /** Group key and kind as found (real identifiers for patients: pseudonymized before storing). */
  group: string;
  groupKind: ImageDatasetFacts['groupKind'];
  split?: number;
  attributes: Record<string, string>;
}

export interface Collection {
  items: Collected[];
  /** The fitted samples, on disk as they are read (see pixel-spill.ts). */
  spill: PixelSpill;
  sources: SourceFileRow[];
  skipped: { file: string; reason: string }[];
  warnings: string[];
}

function sourceRow(path: string, bytes: Uint8Array, group: string | null): SourceFileRow {
  return { record: group, path, size: bytes.byteLength, sha256: sha256Hex(bytes) };
}

function startsWithDicomMagic(path: string): boolean {
  const head = new Uint8Array(132);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return readSync(fd, head, 0, 132, 0) === 132 && looksLikeDicom(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Runs a reader; a bad file stops the import, or with --skip-bad is counted and left out. */
async function guarded<T>(
  o: ImportImagesOptions,
  c: Collection,
  path: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (o.skipBad !== true || !(error instanceof AttestError) || error.code !== 'BAD_INPUT') throw error;
    c.skipped.push({
      file: path,
      reason: error.message.startsWith(path) ? error.message.slice(path.length + 2) : error.message,
    });
    return undefined;
  }
}

export async function collectFiles(
  o: ImportImagesOptions,
  spec: FitSpec,
  c: Collection,
  context: JobContext,
) {
  // PACS exports often name DICOM files without an extension: those are taken when they carry the DICM magic
  // (DICOMDIR indexes hold no image and are left out).
  const accept =
    o.format === 'dicom'
      ? (p: string) =>
          /\.(dcm|dicom)$/i.test(p) ||
          (extname(p) === '' && basename(p).toUpperCase() !== 'DICOMDIR' && startsWithDicomMagic(p))
      : isImagePath;
  const sources: ImageSource[] =
    o.csv !== undefined ? csvSources(o.csv) : classFolderSources(o.inputs, accept);
  // The CSV carries the labels and groups: it is a source like the images.
  if (o.csv !== undefined) c.sources.push(sourceRow(resolve(o.csv), readFileSync(resolve(o.csv)), null));
  for (const [i, source] of sources.entries()) {
    throwIfCancelled(context.signal);
    context.progress((0.9 * i) / sources.length, `reading ${basename(source.path)}`);
    await guarded(o, c, source.path, async () => {
      const read = await readImageFile(source.path, o.window !== undefined ? { window: o.window } : {});
      if (o.format === 'dicom' && read.format !== 'dicom') throw badInput('not a DICOM file', source.path);
      spec.resolve(read.image);
      const ids = read.dicom?.identifiers;
      const group =
        source.group !== undefined
          ? { key: source.group, kind: 'patient' as const }
          : ids?.patientId !== undefined
            ? { key: ids.patientId, kind: 'patient' as const }
            : ids?.studyInstanceUid !== undefined
              ? { key: ids.studyInstanceUid, kind: 'study' as const }
              : { key: source.path, kind: 'file' as const };
      const d = read.dicom?.description;
      c.items.push({
        sample: c.spill.append(storedPixels(fitImage(read.image, spec.value()))),
        label: source.label,
        group: group.key,
        groupKind: group.kind,
        attributes: Object.fromEntries(
          Object.entries({
            file: basename(source.path),
            display: read.dicom !== undefined ? displayLabel(read.dicom.steps) : undefined,
            laterality: d?.laterality,
            view: d?.viewPosition,
            modality: d?.modality,
          }).filter(([, v]) => v !== undefined),
        ) as Record<string, string>,
      });
      c.sources.push(sourceRow(source.path, read.bytes, null));
    });
  }
}

export async function collectVoc(o: ImportImagesOptions, spec: FitSpec, c: Collection, context: JobContext) {
  const xmls = o.inputs.flatMap((input) => {
    const full = resolve(input);
    if (!existsSync(full)) throw badInput('no such file or folder', full);
    const root = vocDatasetRoot(full);
    return (statSync(full).isDirectory() ? walkFiles(full, (p) => /\.xml$/i.test(p)) : [full]).map((xml) => ({
      xml,
      root,
    }));
  });
  if (xmls.length === 0) throw badInput(`no VOC .xml annotation under ${o.inputs.join(', ')}`);
  const margin = o.margin ?? 0.1;
  for (const [i, { xml, root }] of xmls.entries()) {
    throwIfCancelled(context.signal);
    context.progress((0.9 * i) / xmls.length, `reading ${basename(xml)}`);
    await guarded(o, c, xml, async () => {
      const annotation = readVocXml(xml);
      const imagePath = locateVocImage(xml, annotation, root);
      const read = await readImageFile(imagePath);
      const { width, height } = read.image;
      if (
        annotation.width !== undefined &&
        annotation.height !== undefined &&
        (annotation.width !== width || annotation.height !== height)
      )
        throw badInput(
          `<size> says ${annotation.width} x ${annotation.height}, the image ${basename(imagePath)} is ${width} x ${height}`,
          xml,
        );
      spec.resolve(read.image);
      const crops = annotation.objects.map((object) => {
        const box = boxRectangle(object, width, height, xml);
        const mx = Math.round(box.width * margin);
        const my = Math.round(box.height * margin);
        const x = Math.max(0, box.x - mx);
        const y = Math.max(0, box.y - my);
        const crop: DecodedImage = cropImage(
          read.image,
          x,
          y,
          Math.min(width, box.x + box.width + mx) - x,
          Math.min(height, box.y + box.height + my) - y,
        );
        return { object, crop };
      });
      const group = o.groupBy === 'folder' ? basename(dirname(imagePath)) : basename(imagePath);
      for (const { object, crop } of crops)
        c.items.push({
          sample: c.spill.append(storedPixels(fitImage(crop, spec.value()))),
          label: object.name,
          group,
          groupKind: o.groupBy === 'folder' ? 'flight' : 'image',
          attributes: {
            file: basename(imagePath),
            box: `${object.xmin},${object.ymin},${object.xmax},${object.ymax}`,
          },
        });
      c.sources.push(sourceRow(xml, readFileSync(xml), group), sourceRow(imagePath, read.bytes, group));
    });
  }
}

export async function collectNpz(o: ImportImagesOptions, spec: FitSpec, c: Collection, context: JobContext) {
  for (const input of o.inputs) {
    const path = resolve(input);
    if (!existsSync(path) || !statSync(path).isFile()) throw badInput('no such file', path);
    const bytes = readFileSync(path);
    const splits = medmnistSplits(readNpz(bytes, path), path);
    checkNpzSize(splits, spec, c.items.length, path);
    c.sources.push(sourceRow(path, bytes, null));
    for (const part of splits) {
      const [n, h, w, ch = 1] = part.images.shape as [number, number, number, number?];
      const size = h * w * ch;
      const max = part.images.dtype.endsWith('u1') ? 255 : part.images.dtype.endsWith('u2') ? 65535 : 1;
      for (let i = 0; i < n; i++) {
        if (i % 256 === 0) {
          throwIfCancelled(context.signal);
          context.progress(0.9 * (i / n), `${basename(path)} ${part.split} ${i}/${n}`);
        }
        const image: DecodedImage = {
          width: w,
          height: h,
          channels: ch as 1 | 3,
          data: scaledPixels(part.images.data.subarray(i * size, (i + 1) * size), max),
          bitDepth: max === 65535 ? 16 : 8,
        };
        spec.resolve(image);
        c.items.push({
          sample: c.spill.append(storedPixels(fitImage(image, spec.value()))),
          label: String(part.labels.data[i]),
          group: `${basename(path)}:${part.split}:${i}`,
          groupKind: 'given',
          // The published val split stays apart: it chooses the training epoch, as in MedMNIST's benchmarks.
          split: SPLIT_CODES[part.split],
          attributes: {},
        });
      }
    }
  }
}

/** An archive's pixel values divided by their full scale (a loop: a mapping Float32Array.from is far slower). */
function scaledPixels(values: ArrayLike<number>, max: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = (values[k] as number) / max;
  return out;
}

/** Refuses, before any image is fitted, an archive whose images or fitted dataset would not fit in memory. */
function checkNpzSize(splits: NpzImageSplit[], spec: FitSpec, already: number, path: string): void {
  let samples = already;
  for (const part of splits) {
    const [n, h, w, ch = 1] = part.images.shape as [number, number, number, number?];
    if (h * w > MAX_IMAGE_PIXELS)
      throw badInput(
        `${part.split}_images are ${w} x ${h} pixels each, above the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
        path,
      );
    samples += n;
    const fit = spec.value();
    const values = samples * fit.height * fit.width * (spec.decided() ?? ch);
    if (values > MAX_FITTED_VALUES)
      throw badInput(
        `${samples} images at ${fit.height} x ${fit.width} would need ${(values / 1e6).toFixed(0)} million values, above the limit of ${(MAX_FITTED_VALUES / 1e6).toFixed(0)} million: import at a smaller --size or a part of the archive`,
        path,
      );
  }
}

/** How a DICOM image was displayed, kept per sample: which VOI step (window, VOI LUT, full range) and inversion. */
function displayLabel(steps: unknown): string {
  const s = steps as {
    modality: string;
    voi: string;
    window?: { center: number; width: number };
    inverted: boolean;
  };
  const voi = s.window !== undefined ? `window ${s.window.center}/${s.window.width}` : s.voi;
  return `${s.modality}, ${voi}${s.inverted ? ', inverted' : ''}`;
}

/** The fit spec, whose channel count may be decided by the first image read ('auto'). */
export class FitSpec {
  private channels: 1 | 3 | undefined;
  constructor(
    readonly base: { height: number; width: number; fit: ImagePreprocessing['fit'] },
    channels: 1 | 3 | undefined,
  ) {
    this.channels = channels;
  }
  resolve(first: DecodedImage) {
    this.channels ??= first.channels;
  }
  value() {
    return { ...this.base, channels: this.channels ?? 1 };
  }
  /** The channel count when given or already taken from an image, else undefined. */
  decided(): 1 | 3 | undefined {
    return this.channels;
  }
}
