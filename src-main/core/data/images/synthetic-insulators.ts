import { createRng, deriveSeed } from '../../engine/seed.js';
import type { DecodedImage } from './decoded-image.js';
import type { VocObject } from './voc.js';

/**
 * A power-line inspection scene: sky-to-ground gradient with noise, a cross-arm, and one or two suspension
 * insulator strings of 6 to 9 ceramic caps. A string with a missing cap (a gap where one disc should be) is
 * labelled "defect", an intact one "insulator"; boxes are Pascal VOC (1-based, inclusive).
 */
export function syntheticInsulatorScene(
  width: number,
  height: number,
  seed: number,
  defectProbability = 0.5,
): { image: DecodedImage; objects: VocObject[] } {
  const random = createRng(seed);
  const data = new Float32Array(width * height * 3);
  const sky = [0.55 + 0.2 * random(), 0.65 + 0.2 * random(), 0.8 + 0.15 * random()];
  const ground = [0.35 + 0.1 * random(), 0.4 + 0.15 * random(), 0.25 + 0.1 * random()];
  const horizon = height * (0.65 + 0.2 * random());
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const colour = y < horizon ? sky : ground;
      const shade = y < horizon ? 1 - (0.2 * y) / horizon : 1;
      for (let c = 0; c < 3; c++)
        data[(y * width + x) * 3 + c] = (colour[c] as number) * shade + 0.03 * (random() - 0.5);
    }
  const paint = (x0: number, y0: number, x1: number, y1: number, rgb: number[], ellipse: boolean) => {
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(height, Math.ceil(y1)); y++)
      for (let x = Math.max(0, Math.floor(x0)); x < Math.min(width, Math.ceil(x1)); x++) {
        if (ellipse && ((x + 0.5 - cx) / ((x1 - x0) / 2)) ** 2 + ((y + 0.5 - cy) / ((y1 - y0) / 2)) ** 2 > 1)
          continue;
        const light = ellipse ? 1 - 0.35 * Math.abs((x + 0.5 - cx) / ((x1 - x0) / 2)) : 1;
        for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (rgb[c] as number) * light;
      }
  };
  const armY = height * (0.08 + 0.05 * random());
  paint(0, armY, width, armY + Math.max(2, height * 0.04), [0.25, 0.25, 0.28], false);
  const strings = random() < 0.5 ? 1 : 2;
  const objects: VocObject[] = [];
  for (let s = 0; s < strings; s++) {
    const caps = 6 + Math.floor(random() * 4);
    const capH = Math.max(3, Math.round(height * (0.045 + 0.01 * random())));
    const capW = Math.max(6, Math.round(capH * (2.2 + 0.6 * random())));
    const slot = strings === 1 ? width / 2 : (width * (s + 0.5)) / 2;
    const x = Math.round(slot - capW / 2 + (random() - 0.5) * width * 0.1);
    const top = Math.round(armY + height * 0.05);
    const missing = random() < defectProbability ? 1 + Math.floor(random() * (caps - 2)) : -1;
    const glaze = random() < 0.5 ? [0.55, 0.32, 0.2] : [0.3, 0.55, 0.45];
    paint(x + capW / 2 - 1, top, x + capW / 2 + 1, top + caps * capH, [0.35, 0.35, 0.35], false);
    for (let k = 0; k < caps; k++) {
      if (k === missing) continue;
      paint(x, top + k * capH + 0.5, x + capW, top + (k + 1) * capH - 0.5, glaze, true);
    }
    objects.push({
      name: missing >= 0 ? 'defect' : 'insulator',
      xmin: x + 1,
      ymin: top + 1,
      xmax: Math.min(width, x + capW),
      ymax: Math.min(height, top + caps * capH),
      difficult: false,
    });
  }
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i] as number));
  return { image: { width, height, channels: 3, data, bitDepth: 8 }, objects };
}

export function insulatorSeed(seed: number, flight: number, image: number): number {
  return deriveSeed(seed, 'synthetic-insulators', flight, image);
}

export function vocXml(
  filename: string,
  folder: string,
  width: number,
  height: number,
  objects: VocObject[],
): string {
  return [
    '<annotation>',
    `  <folder>${folder}</folder>`,
    `  <filename>${filename}</filename>`,
    '  <source><database>Attest synthetic insulators</database></source>',
    `  <size><width>${width}</width><height>${height}</height><depth>3</depth></size>`,
    ...objects.map((o) =>
      [
        '  <object>',
        `    <name>${o.name}</name>`,
        '    <pose>Unspecified</pose><truncated>0</truncated>',
        `    <difficult>${o.difficult ? 1 : 0}</difficult>`,
        `    <bndbox><xmin>${o.xmin}</xmin><ymin>${o.ymin}</ymin><xmax>${o.xmax}</xmax><ymax>${o.ymax}</ymax></bndbox>`,
        '  </object>',
      ].join('\n'),
    ),
    '</annotation>',
    '',
  ].join('\n');
}
