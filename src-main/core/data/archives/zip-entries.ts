import { crc32, inflateRawSync } from 'node:zlib';
import { badInput } from '../../errors.js';

/*
 * A strict reader of zip archives (what NumPy writes as .npz): every entry's declared size is checked against
 * limits before anything is inflated, inflation stops at the declared size, and each entry's CRC-32 is
 * compared, so that a flipped byte, a cut-off archive or a decompression bomb is refused by name instead of
 * being imported or exhausting memory.
 */

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export interface ZipLimits {
  /** Largest uncompressed entry, bytes. */
  maxEntryBytes: number;
  /** Largest sum of uncompressed entries, bytes. */
  maxTotalBytes: number;
  /** Largest expansion (uncompressed / compressed) of an entry bigger than `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} KB`;
}

function u64(view: DataView, offset: number): number {
  return Number(view.getBigUint64(offset, true));
}

/** The central directory's entries, checked for consistency and against the limits (nothing inflated yet). */
export function listZipEntries(bytes: Uint8Array, file: string, limits: ZipLimits): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const broken = (why: string) => badInput(`not a readable .npz (zip) archive: ${why}`, file);
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (view.getUint32(at, true) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw broken('no end-of-archive record (cut off, or not a zip file)');
  let count = view.getUint16(end + 10, true);
  let directorySize = view.getUint32(end + 12, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (
    (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) &&
    end >= 20 &&
    view.getUint32(end - 20, true) === ZIP64_LOCATOR
  ) {
    const record = u64(view, end - 12);
    if (record + 56 > bytes.length || view.getUint32(record, true) !== ZIP64_EOCD)
      throw broken('the zip64 end record is missing');
    count = u64(view, record + 32);
    directorySize = u64(view, record + 40);
    directoryOffset = u64(view, record + 48);
  }
  if (directoryOffset + directorySize > bytes.length)
    throw broken('the directory runs past the end of the file');
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let total = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL)
      throw broken(`directory entry ${i + 1} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > bytes.length) throw broken(`directory entry ${i + 1} runs past the end of the file`);
    const name = Buffer.from(bytes.subarray(at + 46, at + 46 + nameLength)).toString('utf8');
    // Zip64: the 64-bit values replace, in this order, those of the fixed fields that read 0xFFFFFFFF.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength;) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let field = e + 4;
        const take = (): number => {
          if (field + 8 > Math.min(e + 4 + length, bytes.length))
            throw broken(`the zip64 sizes of ${name} are cut short`);
          const value = u64(view, field);
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + length;
    }
    if ((flags & 1) !== 0) throw badInput(`entry ${name} is encrypted`, file);
    if (method !== 0 && method !== 8)
      throw badInput(`entry ${name} uses compression method ${method} (stored or deflated only)`, file);
    if (method === 0 && size !== compressedSize)
      throw badInput(`entry ${name} is stored but declares ${size} bytes in ${compressedSize}`, file);
    if (names.has(name)) throw badInput(`entry ${name} appears twice`, file);
    names.add(name);
    if (size > limits.maxEntryBytes)
      throw badInput(
        `entry ${name} declares ${megabytes(size)} uncompressed, above the limit of ${megabytes(limits.maxEntryBytes)}`,
        file,
      );
    if (size > limits.ratioFloorBytes && size > compressedSize * limits.maxRatio)
      throw badInput(
        `entry ${name} would expand ${megabytes(compressedSize)} to ${megabytes(size)} (${Math.round(size / Math.max(1, compressedSize))} times): refused as a likely decompression bomb (at most ${limits.maxRatio} times for entries above ${megabytes(limits.ratioFloorBytes)})`,
        file,
      );
    total += size;
    if (total > limits.maxTotalBytes)
      throw badInput(
        `the entries declare more than ${megabytes(limits.maxTotalBytes)} uncompressed in all, above the limit`,
        file,
      );
    entries.push({ name, method, crc32: crc, compressedSize, size, localHeaderOffset });
    at = next;
  }
  return entries;
}

/** One entry's bytes: inflated no further than its declared size, then checked against its length and CRC-32. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL)
    throw badInput(`entry ${entry.name}: its local header is missing or damaged`, file);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length)
    throw badInput(`entry ${entry.name} is cut off (the archive ends inside it)`, file);
  const compressed = bytes.subarray(start, start + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) data = compressed;
  else {
    try {
      data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw badInput(
        code === 'ERR_BUFFER_TOO_LARGE'
          ? `entry ${entry.name} inflates to more than the ${entry.size} bytes it declares`
          : `entry ${entry.name} does not inflate (${error instanceof Error ? error.message : String(error)})`,
        file,
      );
    }
  }
  if (data.length !== entry.size)
    throw badInput(`entry ${entry.name} holds ${data.length} bytes, it declares ${entry.size}`, file);
  if (crc32(data) >>> 0 !== entry.crc32)
    throw badInput(`entry ${entry.name} fails its CRC-32 check (the archive is damaged)`, file);
  return data;
}
