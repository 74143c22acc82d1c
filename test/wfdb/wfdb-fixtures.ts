import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths resolved from dist/test/wfdb/ (compiled) to the repository's fixtures and bundled resources. */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/wfdb/', import.meta.url));
export const FORMATS_DIR = join(FIXTURES, 'formats');
export const MITDB_DIR = fileURLToPath(new URL('../../../resources/mitdb/', import.meta.url));
export const NSTDB_DIR = fileURLToPath(new URL('../../../resources/nstdb/', import.meta.url));

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `attest-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes samples in a WFDB format, the inverse of the reader, written from the WFDB format descriptions so that
 * synthetic records (odd lengths, several signals, skew, offsets) can test what no fixture covers.
 */
export function encodeSamples(format: string, samples: number[]): Uint8Array {
  const out: number[] = [];
  const word16 = (v: number) => out.push(v & 0xff, (v >> 8) & 0xff);
  switch (format) {
    case '8': // the caller passes the first differences
      samples.forEach((v) => out.push(v & 0xff));
      break;
    case '16':
      samples.forEach(word16);
      break;
    case '61':
      samples.forEach((v) => out.push((v >> 8) & 0xff, v & 0xff));
      break;
    case '80':
      samples.forEach((v) => out.push((v + 128) & 0xff));
      break;
    case '160':
      samples.forEach((v) => word16(v + 32768));
      break;
    case '24':
      samples.forEach((v) => out.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff));
      break;
    case '32':
      samples.forEach((v) => out.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff));
      break;
    case '212':
      for (let i = 0; i < samples.length; i += 2) {
        const a = samples[i]! & 0xfff;
        const b = (samples[i + 1] ?? 0) & 0xfff;
        out.push(a & 0xff, ((a >> 8) & 0x0f) | ((b >> 4) & 0xf0));
        if (i + 1 < samples.length) out.push(b & 0xff);
      }
      break;
    case '310':
      for (let i = 0; i < samples.length; i += 3) {
        const [a, b, c] = [0, 1, 2].map((k) => (samples[i + k] ?? 0) & 0x3ff) as [number, number, number];
        word16((a << 1) | ((c & 0x1f) << 11));
        if (i + 1 < samples.length) word16((b << 1) | ((c >> 5) << 11));
      }
      break;
    case '311':
      for (let i = 0; i < samples.length; i += 3) {
        const [a, b, c] = [0, 1, 2].map((k) => (samples[i + k] ?? 0) & 0x3ff) as [number, number, number];
        const w = (a | (b << 10) | (c << 20)) >>> 0;
        const bytes = [w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, (w >>> 24) & 0xff];
        const left = samples.length - i;
        out.push(...bytes.slice(0, left >= 3 ? 4 : left === 2 ? 3 : 2));
      }
      break;
    default:
      throw new Error(`test encoder: format ${format}`);
  }
  return Uint8Array.from(out);
}

/** The WFDB checksum as a header writes it: the 16-bit sum, signed. */
export function headerChecksum(samples: number[]): number {
  const sum = samples.reduce((s, v) => (s + v) & 0xffff, 0);
  return sum > 32767 ? sum - 65536 : sum;
}

export interface TestAnnotation {
  sample: number;
  code: number;
  subtype?: number;
  chan?: number;
  num?: number;
  aux?: string;
}

/**
 * Writes an MIT-format annotation file: SKIP for gaps over 1023 samples (or negative ones), then the code word,
 * then SUB, CHN, NUM and AUX words when the field differs from the running value, then the zero end word.
 */
export function encodeAnnotations(annotations: TestAnnotation[], end = true): Uint8Array {
  const out: number[] = [];
  const word = (code: number, arg: number) => out.push(arg & 0xff, ((arg >> 8) & 0x03) | (code << 2));
  let time = 0;
  let chan = 0;
  let num = 0;
  for (const a of annotations) {
    const delta = a.sample - time;
    if (delta < 0 || delta > 1023) {
      word(59, 0);
      const v = delta >>> 0;
      out.push((v >>> 16) & 0xff, (v >>> 24) & 0xff, v & 0xff, (v >>> 8) & 0xff);
      word(a.code, 0);
    } else {
      word(a.code, delta);
    }
    time = a.sample;
    if (a.subtype !== undefined) word(61, a.subtype & 0xff);
    if (a.chan !== undefined && a.chan !== chan) word(62, (chan = a.chan));
    if (a.num !== undefined && a.num !== num) word(60, (num = a.num) & 0xff);
    if (a.aux !== undefined) {
      word(63, a.aux.length);
      for (const ch of a.aux) out.push(ch.charCodeAt(0));
      if (a.aux.length % 2 === 1) out.push(0);
    }
  }
  if (end) out.push(0, 0);
  return Uint8Array.from(out);
}
