/**
 * Writes EDF+C (or EDF+D) files for tests: 16-bit signals in one-second data records plus an "EDF Annotations" channel
 * holding each record's timekeeping TAL and the annotations whose onset falls in that record.
 */
export interface EdfWriterSignal {
  label: string;
  unit: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  /** Digital samples; the length must be a whole number of records. */
  digital: Int16Array | Int32Array;
}

const field = (text: string, width: number): string => text.slice(0, width).padEnd(width, ' ');

export function writeEdfPlus(o: {
  fs: number;
  signals: EdfWriterSignal[];
  annotations: { onset: number; text: string }[];
  annotationBytesPerRecord?: number;
  /** EDF+D: the start of each data record, seconds (default contiguous 0, 1, 2, ... as EDF+C). */
  recordStarts?: number[];
}): Buffer {
  const records = (o.signals[0]?.digital.length ?? 0) / o.fs;
  const annotationSamples = Math.ceil((o.annotationBytesPerRecord ?? 240) / 2);
  const labels = [...o.signals.map((s) => s.label), 'EDF Annotations'];
  const ns = labels.length;
  const column = (values: string[], width: number): string => values.map((v) => field(v, width)).join('');
  const header =
    field('0', 8) +
    field('X X X X', 80) +
    field('Startdate X X X X', 80) +
    field('01.01.00', 8) +
    field('00.00.00', 8) +
    field(String(256 * (ns + 1)), 8) +
    field(o.recordStarts !== undefined ? 'EDF+D' : 'EDF+C', 44) +
    field(String(records), 8) +
    field('1', 8) +
    field(String(ns), 4) +
    column(labels, 16) +
    column(
      labels.map(() => ''),
      80,
    ) +
    column([...o.signals.map((s) => s.unit), ''], 8) +
    column([...o.signals.map((s) => String(s.physicalMin)), '-1'], 8) +
    column([...o.signals.map((s) => String(s.physicalMax)), '1'], 8) +
    column([...o.signals.map((s) => String(s.digitalMin)), '-32768'], 8) +
    column([...o.signals.map((s) => String(s.digitalMax)), '32767'], 8) +
    column(
      labels.map(() => ''),
      80,
    ) +
    column([...o.signals.map(() => String(o.fs)), String(annotationSamples)], 8) +
    column(
      labels.map(() => ''),
      32,
    );
  const recordBytes = (o.signals.length * o.fs + annotationSamples) * 2;
  const out = Buffer.alloc(header.length + records * recordBytes);
  out.write(header, 0, 'latin1');
  for (let r = 0; r < records; r++) {
    let offset = header.length + r * recordBytes;
    for (const signal of o.signals) {
      for (let k = 0; k < o.fs; k++) out.writeInt16LE(signal.digital[r * o.fs + k] as number, offset + k * 2);
      offset += o.fs * 2;
    }
    const start = o.recordStarts?.[r] ?? r;
    const tals = [`+${start}\x14\x14\x00`];
    for (const a of o.annotations)
      if (a.onset >= start && a.onset < start + 1) tals.push(`+${a.onset.toFixed(6)}\x14${a.text}\x14\x00`);
    const text = Buffer.from(tals.join(''), 'utf8');
    if (text.length > annotationSamples * 2) throw new Error(`record ${r}: annotations overflow the channel`);
    text.copy(out, offset);
  }
  return out;
}
