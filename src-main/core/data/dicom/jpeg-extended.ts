import { badInput } from '../../errors.js';

/**
 * Sequential Huffman DCT JPEG (ITU T.81 processes 1, 2 and 4) at 8 or 12 bits per sample. The WebAssembly
 * libjpeg-turbo build reads 8-bit only; DICOM's "JPEG Extended" transfer syntax carries 12-bit CT, MR and NM
 * images, so this decoder reads those. Progressive and arithmetic-coded JPEG are refused by name.
 */
export interface JpegImage {
  width: number;
  height: number;
  precision: number;
  components: number;
  /** Samples interleaved by component, row by row. */
  samples: Uint16Array;
}

const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);

/** cos((2x+1)u pi / 16) * C(u) / 2, the separable IDCT basis. */
const BASIS = (() => {
  const table = new Float64Array(64);
  for (let x = 0; x < 8; x++)
    for (let u = 0; u < 8; u++)
      table[x * 8 + u] = ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return table;
})();

interface Huffman {
  /** code -> symbol, keyed by (length << 16) | code. */
  lookup: Map<number, number>;
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  td: number;
  ta: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  /** Dequantized, inverse-transformed samples of the whole (padded) component plane. */
  plane: Float64Array;
  pred: number;
}

function buildHuffman(counts: Uint8Array, symbols: Uint8Array): Huffman {
  const lookup = new Map<number, number>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < (counts[length - 1] as number); i++)
      lookup.set((length << 16) | code++, symbols[k++] as number);
    code <<= 1;
  }
  return { lookup };
}

export function decodeJpegExtended(data: Uint8Array, file: string): JpegImage {
  const fail = (message: string): never => {
    throw badInput(`JPEG: ${message}`, file);
  };
  const u16 = (p: number): number =>
    (((data[p] ?? fail('unexpected end of data')) as number) << 8) | (data[p + 1] as number);
  const quant: (Int32Array | undefined)[] = [];
  const dcTables: (Huffman | undefined)[] = [];
  const acTables: (Huffman | undefined)[] = [];
  let frame:
    | {
        precision: number;
        width: number;
        height: number;
        components: Component[];
        mcusX: number;
        mcusY: number;
        hMax: number;
        vMax: number;
      }
    | undefined;
  let restartInterval = 0;
  if (u16(0) !== 0xffd8) fail('no start-of-image marker');
  let p = 2;
  for (;;) {
    if (p + 2 > data.length) fail('ended before end-of-image');
    if (data[p] !== 0xff) {
      p++;
      continue;
    }
    const marker = u16(p);
    if (marker === 0xffd9) break;
    if (marker === 0xffff) {
      p++;
      continue;
    }
    if (p + 4 > data.length) fail('ended before end-of-image');
    const length = u16(p + 2);
    const segment = data.subarray(p + 4, p + 2 + length);
    if (marker === 0xffdb) {
      let q = 0;
      while (q < segment.length) {
        const pq = (segment[q] as number) >> 4;
        const tq = (segment[q] as number) & 15;
        const table = new Int32Array(64);
        for (let i = 0; i < 64; i++)
          table[ZIGZAG[i] as number] =
            pq === 0
              ? (segment[q + 1 + i] as number)
              : (segment[q + 1 + 2 * i] as number) * 256 + (segment[q + 2 + 2 * i] as number);
        quant[tq] = table;
        q += 1 + 64 * (pq === 0 ? 1 : 2);
      }
    } else if (marker === 0xffc4) {
      let q = 0;
      while (q < segment.length) {
        const tc = (segment[q] as number) >> 4;
        const th = (segment[q] as number) & 15;
        const counts = segment.subarray(q + 1, q + 17);
        const total = counts.reduce((s, c) => s + c, 0);
        const table = buildHuffman(counts, segment.subarray(q + 17, q + 17 + total));
        (tc === 0 ? dcTables : acTables)[th] = table;
        q += 17 + total;
      }
    } else if (marker === 0xffc0 || marker === 0xffc1) {
      const precision = segment[0] as number;
      if (precision !== 8 && precision !== 12) fail(`sample precision ${precision} (8 or 12 expected)`);
      const height = u16(p + 5);
      const width = u16(p + 7);
      const count = segment[5] as number;
      if (width === 0 || height === 0 || count === 0)
        fail(`frame ${width} x ${height} with ${count} components`);
      const components: Component[] = [];
      for (let c = 0; c < count; c++) {
        const hv = segment[7 + 3 * c] as number;
        components.push({
          id: segment[6 + 3 * c] as number,
          h: hv >> 4 || 1,
          v: hv & 15 || 1,
          tq: segment[8 + 3 * c] as number,
          td: 0,
          ta: 0,
          blocksPerLine: 0,
          blocksPerColumn: 0,
          plane: new Float64Array(0),
          pred: 0,
        });
      }
      const hMax = Math.max(...components.map((c) => c.h));
      const vMax = Math.max(...components.map((c) => c.v));
      const mcusX = Math.ceil(width / (8 * hMax));
      const mcusY = Math.ceil(height / (8 * vMax));
      for (const c of components) {
        c.blocksPerLine = mcusX * c.h;
        c.blocksPerColumn = mcusY * c.v;
        c.plane = new Float64Array(c.blocksPerLine * c.blocksPerColumn * 64);
      }
      frame = { precision, width, height, components, mcusX, mcusY, hMax, vMax };
    } else if (
      marker >= 0xffc2 &&
      marker <= 0xffcf &&
      marker !== 0xffc4 &&
      marker !== 0xffc8 &&
      marker !== 0xffcc
    ) {
      fail(
        `SOF marker ${marker.toString(16)} (progressive, lossless or arithmetic coding) is not sequential Huffman DCT`,
      );
    } else if (marker === 0xffdd) {
      restartInterval = u16(p + 4);
    } else if (marker === 0xffda) {
      if (frame === undefined) fail('scan before frame header');
      const f = frame as NonNullable<typeof frame>;
      const count = segment[0] as number;
      const scan: Component[] = [];
      for (let i = 0; i < count; i++) {
        const c =
          f.components.find((x) => x.id === segment[1 + 2 * i]) ?? fail('scan names an unknown component');
        const t = segment[2 + 2 * i] as number;
        c.td = t >> 4;
        c.ta = t & 15;
        c.pred = 0;
        scan.push(c);
      }
      p = decodeScan(data, p + 2 + length, f, scan, restartInterval, quant, dcTables, acTables, fail);
      continue;
    }
    p += 2 + length;
  }
  if (frame === undefined) return fail('no frame header');
  return assemble(frame as NonNullable<typeof frame>);
}

function decodeScan(
  data: Uint8Array,
  start: number,
  f: {
    components: Component[];
    mcusX: number;
    mcusY: number;
    width: number;
    height: number;
    hMax: number;
    vMax: number;
  },
  scan: Component[],
  restartInterval: number,
  quant: (Int32Array | undefined)[],
  dcTables: (Huffman | undefined)[],
  acTables: (Huffman | undefined)[],
  fail: (m: string) => never,
): number {
  let p = start;
  let bitBuffer = 0;
  let bitCount = 0;
  const readBit = (): number => {
    if (bitCount === 0) {
      if (p >= data.length) fail('entropy-coded data ends early');
      let byte = data[p++] as number;
      if (byte === 0xff) {
        const next = data[p] as number;
        if (next === 0) p++;
        else if (next >= 0xd0 && next <= 0xd7) fail('unexpected restart marker');
        else byte = 0; // a marker inside the data: pad with zeros, as decoders do
      }
      bitBuffer = byte;
      bitCount = 8;
    }
    bitCount--;
    return (bitBuffer >> bitCount) & 1;
  };
  const decodeHuffman = (table: Huffman): number => {
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | readBit();
      const symbol = table.lookup.get((length << 16) | code);
      if (symbol !== undefined) return symbol;
    }
    return fail('invalid Huffman code');
  };
  const receiveExtend = (size: number): number => {
    if (size === 0) return 0;
    let value = 0;
    for (let i = 0; i < size; i++) value = (value << 1) | readBit();
    return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
  };
  const coefficients = new Float64Array(64);
  const temp = new Float64Array(64);
  const decodeBlock = (c: Component, row: number, col: number) => {
    const q = quant[c.tq] ?? fail(`quantization table ${c.tq} missing`);
    const dc = dcTables[c.td] ?? fail(`DC table ${c.td} missing`);
    const ac = acTables[c.ta] ?? fail(`AC table ${c.ta} missing`);
    coefficients.fill(0);
    c.pred += receiveExtend(decodeHuffman(dc));
    coefficients[0] = c.pred * (q[0] as number);
    for (let k = 1; k < 64;) {
      const rs = decodeHuffman(ac);
      const r = rs >> 4;
      const s = rs & 15;
      if (s === 0) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) fail('AC coefficient index past 63');
      const z = ZIGZAG[k] as number;
      coefficients[z] = receiveExtend(s) * (q[z] as number);
      k++;
    }
    // Separable inverse DCT: rows then columns.
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        let sum = 0;
        for (let u = 0; u < 8; u++) sum += (BASIS[x * 8 + u] as number) * (coefficients[y * 8 + u] as number);
        temp[y * 8 + x] = sum;
      }
    const stride = c.blocksPerLine * 8;
    for (let x = 0; x < 8; x++)
      for (let y = 0; y < 8; y++) {
        let sum = 0;
        for (let v = 0; v < 8; v++) sum += (BASIS[y * 8 + v] as number) * (temp[v * 8 + x] as number);
        c.plane[(row * 8 + y) * stride + col * 8 + x] = sum;
      }
  };
  const single = scan.length === 1;
  const only = scan[0] as Component;
  // A single-component scan covers only the component's own blocks, not the MCU padding (T.81 A.2.2).
  const total = single
    ? Math.ceil(Math.ceil((f.width * only.h) / f.hMax) / 8) *
      Math.ceil(Math.ceil((f.height * only.v) / f.vMax) / 8)
    : f.mcusX * f.mcusY;
  const singleBlocksPerLine = single ? Math.ceil(Math.ceil((f.width * only.h) / f.hMax) / 8) : 0;
  for (let n = 0; n < total; n++) {
    if (restartInterval > 0 && n > 0 && n % restartInterval === 0) {
      bitCount = 0;
      while (
        p + 1 < data.length &&
        !(data[p] === 0xff && (data[p + 1] as number) >= 0xd0 && (data[p + 1] as number) <= 0xd7)
      )
        p++;
      p += 2;
      for (const c of scan) c.pred = 0;
    }
    if (single) {
      decodeBlock(only, Math.floor(n / singleBlocksPerLine), n % singleBlocksPerLine);
    } else {
      const mcuRow = Math.floor(n / f.mcusX);
      const mcuCol = n % f.mcusX;
      for (const c of scan)
        for (let v = 0; v < c.v; v++)
          for (let h = 0; h < c.h; h++) decodeBlock(c, mcuRow * c.v + v, mcuCol * c.h + h);
    }
  }
  // Skip to the next marker (end of image or next scan).
  while (
    p + 1 < data.length &&
    !(
      data[p] === 0xff &&
      data[p + 1] !== 0 &&
      !((data[p + 1] as number) >= 0xd0 && (data[p + 1] as number) <= 0xd7)
    )
  )
    p++;
  return p;
}

function assemble(f: {
  precision: number;
  width: number;
  height: number;
  components: Component[];
  hMax: number;
  vMax: number;
}): JpegImage {
  const { width, height, components } = f;
  const n = components.length;
  const max = (1 << f.precision) - 1;
  const shift = 1 << (f.precision - 1);
  const samples = new Uint16Array(width * height * n);
  components.forEach((c, k) => {
    const stride = c.blocksPerLine * 8;
    for (let y = 0; y < height; y++) {
      const sy = Math.floor((y * c.v) / f.vMax);
      for (let x = 0; x < width; x++) {
        const sx = Math.floor((x * c.h) / f.hMax);
        const value = Math.round((c.plane[sy * stride + sx] as number) + shift);
        samples[(y * width + x) * n + k] = value < 0 ? 0 : value > max ? max : value;
      }
    }
  });
  return { width, height, precision: f.precision, components: n, samples };
}
