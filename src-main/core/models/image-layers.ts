import { tfl } from '../engine/tf.js';
import { deriveSeed } from '../engine/seed.js';
import { badInput } from '../errors.js';

/** Checks an image input shape [height, width, channels] for the 2-D architectures. */
export function checkImageShape(
  arch: string,
  sampleShape: number[],
  minimum: number,
): [number, number, number] {
  const [height, width, channels] = sampleShape as [number?, number?, number?];
  if (sampleShape.length !== 3 || height === undefined || width === undefined || channels === undefined)
    throw badInput(`${arch} reads images [height, width, channels]; got shape [${sampleShape.join(', ')}]`);
  if (
    height < minimum ||
    width < minimum ||
    height > 512 ||
    width > 512 ||
    (channels !== 1 && channels !== 3)
  )
    throw badInput(
      `${arch} reads ${minimum} to 512 px images with 1 or 3 channels; got ${height} x ${width} x ${channels}`,
    );
  return [height, width, channels];
}

export function checkClasses(arch: string, classes: number): void {
  if (!Number.isInteger(classes) || classes < 2)
    throw badInput(`${arch} needs at least 2 classes, got ${classes}`);
}

/** Seeded initializers keyed by layer name: two builds with one seed have identical weights under identical names. */
export function initializerFor(arch: string, seed: number) {
  return (layer: string) => tfl.initializers.glorotUniform({ seed: deriveSeed(seed, arch, layer) });
}
