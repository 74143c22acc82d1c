/** How the pixel data of a transfer syntax is stored, and so which decoder reads it. */
export type PixelCodec =
  'native' | 'rle' | 'jpeg-baseline' | 'jpeg-extended' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000';

export interface TransferSyntax {
  uid: string;
  name: string;
  codec: PixelCodec;
  bigEndian: boolean;
  deflated: boolean;
}

const TABLE: [string, string, PixelCodec][] = [
  ['1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native'],
  ['1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native'],
  ['1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'native'],
  ['1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native'],
  ['1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline'],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg-extended'],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless'],
  ['1.2.840.10008.1.2.4.70', 'JPEG Lossless, First-Order Prediction (Process 14, SV1)', 'jpeg-lossless'],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls'],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless', 'jpeg-ls'],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL (Lossless Only)', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', 'jpeg2000'],
];

const BY_UID = new Map(
  TABLE.map(([uid, name, codec]) => [
    uid,
    { uid, name, codec, bigEndian: uid === '1.2.840.10008.1.2.2', deflated: uid.endsWith('.1.2.1.99') },
  ]),
);

/** The transfer syntax of a UID, or undefined when Attest has no decoder for it (e.g. MPEG video). */
export function transferSyntaxOf(uid: string): TransferSyntax | undefined {
  return BY_UID.get(uid);
}

export const SUPPORTED_TRANSFER_SYNTAXES: readonly string[] = TABLE.map(([uid]) => uid);
