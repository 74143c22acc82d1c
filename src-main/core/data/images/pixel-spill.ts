import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AttestError } from '../../errors.js';

/**
 * The fitted samples of an image import, written to a temporary file as they are read instead of held in memory,
 * and read back in chunks to compute the statistics and to write the bundle: memory stays flat whatever the
 * dataset's size. The file sits in the artifact store under a name its leftover sweep knows (a `.partial` with
 * this process's id), so a kill during an import leaves nothing that the next write does not remove.
 */
export class PixelSpill {
  readonly path: string;
  private fd: number | undefined;
  private valuesPerSample: number | undefined;
  count = 0;

  constructor(artifactsDir: string) {
    const name = randomBytes(32).toString('hex');
    const dir = join(artifactsDir, name.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, `${name}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
    this.fd = openSync(this.path, 'wx+');
  }

  private open(): number {
    if (this.fd === undefined) throw new AttestError('INTERNAL', 'the spilled samples were already removed');
    return this.fd;
  }

  /** Values per sample (all samples of an import have the same fitted size). */
  get sampleSize(): number {
    return this.valuesPerSample ?? 0;
  }

  /** Appends one sample; returns its index. */
  append(pixels: Uint16Array): number {
    this.valuesPerSample ??= pixels.length;
    if (pixels.length !== this.valuesPerSample)
      throw new AttestError(
        'INTERNAL',
        `a sample of ${pixels.length} values among samples of ${this.valuesPerSample}`,
      );
    const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    const at = this.count * bytes.byteLength;
    let written = 0;
    while (written < bytes.byteLength)
      written += writeSync(this.open(), bytes, written, bytes.byteLength - written, at + written);
    return this.count++;
  }

  /** Samples [from, to) as one array. */
  range(from: number, to: number): Uint16Array {
    const size = this.sampleSize;
    const out = new Uint16Array(Math.max(0, to - from) * size);
    const bytes = new Uint8Array(out.buffer);
    let read = 0;
    while (read < bytes.byteLength) {
      const n = readSync(this.open(), bytes, read, bytes.byteLength - read, from * size * 2 + read);
      if (n === 0) throw new AttestError('INTERNAL', `the spilled samples end before sample ${to}`);
      read += n;
    }
    return out;
  }

  /**
   * The chosen samples in the order given, about `bytes` at a time (consecutive indices are read together). An
   * import keeps only the samples its items refer to: a file skipped half-way (--skip-bad) may have spilled some.
   */
  *chunks(indices: readonly number[], bytes = 4 * 1024 * 1024): Generator<Uint16Array> {
    const per = Math.max(1, Math.floor(bytes / Math.max(1, this.sampleSize * 2)));
    for (let from = 0; from < indices.length; from += per) {
      const slice = indices.slice(from, from + per);
      const out = new Uint16Array(slice.length * this.sampleSize);
      let k = 0;
      while (k < slice.length) {
        const first = slice[k] as number;
        let run = 1;
        while (k + run < slice.length && slice[k + run] === first + run) run++;
        out.set(this.range(first, first + run), k * this.sampleSize);
        k += run;
      }
      yield out;
    }
  }

  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.path, { force: true });
  }
}
