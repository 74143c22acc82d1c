import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { badInput } from '../../errors.js';
import { createRng, deriveSeed } from '../../engine/seed.js';
import { writeDicomMammogram } from '../dicom/write-dicom.js';
import { MAMMOGRAM_CLASSES, mammogramSeed, syntheticMammogramPatch } from './synthetic-mammogram.js';
import { insulatorSeed, syntheticInsulatorScene, vocXml } from './synthetic-insulators.js';
import type { DecodedImage } from './decoded-image.js';

function emptyFolder(out: string): string {
  const dir = resolve(out);
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw badInput('the output folder exists and is not empty', dir);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** 8-bit RGB or 16-bit grey PNG of a decoded image. */
export async function encodePng(image: DecodedImage): Promise<Buffer> {
  if (image.channels === 1 && image.bitDepth > 8) {
    const words = Uint16Array.from(image.data, (v) => Math.round(v * 65535));
    // A Uint16Array (not a Buffer) tells sharp the raw samples are 16-bit.
    return sharp(words, { raw: { width: image.width, height: image.height, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
  }
  const bytes = Uint8Array.from(image.data, (v) => Math.round(v * 255));
  return sharp(Buffer.from(bytes), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .png()
    .toBuffer();
}

export interface SyntheticMammogramOptions {
  out: string;
  patients: number;
  /** Images per patient; classes are drawn per image. */
  imagesPerPatient: number;
  size: number;
  seed: number;
  format: 'dicom' | 'png';
}

/**
 * Writes synthetic mammogram patches as OUT/CLASS/image-NNNNN_LAT_VIEW.dcm (12-bit DICOM with patient, study,
 * laterality and view) or 16-bit PNG plus OUT/labels.csv (file,label,patient): input for `attest import`.
 */
export async function writeSyntheticMammograms(o: SyntheticMammogramOptions) {
  const dir = emptyFolder(o.out);
  const rows: string[] = ['file,label,patient'];
  const counts: Record<string, number> = Object.fromEntries(MAMMOGRAM_CLASSES.map((c) => [c, 0]));
  for (const c of MAMMOGRAM_CLASSES) mkdirSync(join(dir, c));
  for (let p = 0; p < o.patients; p++) {
    const patientId = `SYN${String(p + 1).padStart(4, '0')}`;
    const random = createRng(deriveSeed(o.seed, 'mammogram-patient', p));
    for (let k = 0; k < o.imagesPerPatient; k++) {
      const kind = MAMMOGRAM_CLASSES[
        Math.floor(random() * MAMMOGRAM_CLASSES.length)
      ] as (typeof MAMMOGRAM_CLASSES)[number];
      const laterality = k % 2 === 0 ? 'L' : 'R';
      const view = Math.floor(k / 2) % 2 === 0 ? 'CC' : 'MLO';
      const image = syntheticMammogramPatch(kind, o.size, mammogramSeed(o.seed, p, k));
      // File names carry no patient id (as a de-identified export would): the id is inside the DICOM header.
      const base = `image-${String(p * o.imagesPerPatient + k + 1).padStart(5, '0')}_${laterality}_${view}`;
      let file: string;
      if (o.format === 'dicom') {
        file = `${kind}/${base}.dcm`;
        const uidRoot = `1.2.826.0.1.3680043.10.1040.${o.seed}.${p + 1}`;
        writeFileSync(
          join(dir, file),
          writeDicomMammogram({
            rows: o.size,
            columns: o.size,
            bitsStored: 12,
            pixels: Uint16Array.from(image.data, (v) => Math.round(v * 4095)),
            patientId,
            studyInstanceUid: uidRoot,
            sopInstanceUid: `${uidRoot}.${k + 1}`,
            laterality,
            viewPosition: view,
            windowCenter: 2048,
            windowWidth: 4096,
          }),
        );
      } else {
        file = `${kind}/${base}.png`;
        writeFileSync(join(dir, file), await encodePng(image));
      }
      rows.push(`${file},${kind},${patientId}`);
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
  }
  writeFileSync(join(dir, 'labels.csv'), rows.join('\n') + '\n');
  return {
    out: dir,
    images: rows.length - 1,
    patients: o.patients,
    classes: counts,
    csv: join(dir, 'labels.csv'),
  };
}

export interface SyntheticInsulatorOptions {
  out: string;
  flights: number;
  imagesPerFlight: number;
  width: number;
  height: number;
  seed: number;
}

/** Writes insulator scenes as OUT/flight-NN/scene-NNN.png with a Pascal VOC .xml beside each. */
export async function writeSyntheticInsulators(o: SyntheticInsulatorOptions) {
  const dir = emptyFolder(o.out);
  const counts: Record<string, number> = { insulator: 0, defect: 0 };
  let images = 0;
  for (let f = 0; f < o.flights; f++) {
    const folder = `flight-${String(f + 1).padStart(2, '0')}`;
    mkdirSync(join(dir, folder));
    for (let k = 0; k < o.imagesPerFlight; k++) {
      const { image, objects } = syntheticInsulatorScene(o.width, o.height, insulatorSeed(o.seed, f, k));
      const name = `scene-${String(k + 1).padStart(3, '0')}`;
      writeFileSync(join(dir, folder, `${name}.png`), await encodePng(image));
      writeFileSync(
        join(dir, folder, `${name}.xml`),
        vocXml(`${name}.png`, folder, o.width, o.height, objects),
      );
      for (const object of objects) counts[object.name] = (counts[object.name] ?? 0) + 1;
      images++;
    }
  }
  return { out: dir, images, flights: o.flights, boxes: counts };
}
