import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

/**
 * A small flowing-text writer over pdf-lib: headings, paragraphs, key-value rows and tables on A4 pages, with
 * wrapping and page breaks. The standard PDF fonts are used (nothing embedded, nothing fetched); characters
 * outside their WinAnsi encoding are replaced, so that a user-named dataset can never break the export.
 */
const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

export class PdfWriter {
  private page!: PDFPage;
  private y = 0;
  private constructor(
    readonly doc: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
    private readonly mono: PDFFont,
  ) {
    this.newPage();
  }

  static async create(title: string): Promise<PdfWriter> {
    const doc = await PDFDocument.create();
    doc.setTitle(title);
    doc.setCreator('Attest');
    doc.setProducer('Attest (pdf-lib)');
    const [regular, bold, mono] = await Promise.all([
      doc.embedFont(StandardFonts.Helvetica),
      doc.embedFont(StandardFonts.HelveticaBold),
      doc.embedFont(StandardFonts.Courier),
    ]);
    return new PdfWriter(doc, regular, bold, mono);
  }

  private newPage(): void {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  private ensure(height: number): void {
    if (this.y - height < MARGIN) this.newPage();
  }

  /** Replaces what the WinAnsi standard fonts cannot draw. */
  private clean(font: PDFFont, text: string): string {
    let out = '';
    for (const char of text.replace(/[\r\n\t]+/g, ' ')) {
      try {
        font.encodeText(char);
        out += char;
      } catch {
        out += '?';
      }
    }
    return out;
  }

  private wrap(font: PDFFont, size: number, text: string, width: number): string[] {
    const lines: string[] = [];
    let line = '';
    for (const word of this.clean(font, text).split(' ')) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      // A word longer than the line (a hash): cut it.
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > width) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    if (line !== '') lines.push(line);
    return lines.length > 0 ? lines : [''];
  }

  private lines(
    text: string,
    options: {
      font?: PDFFont;
      size?: number;
      x?: number;
      width?: number;
      color?: [number, number, number];
    } = {},
  ): void {
    const font = options.font ?? this.regular;
    const size = options.size ?? 10;
    const x = options.x ?? MARGIN;
    const width = options.width ?? A4[0] - MARGIN - x;
    for (const line of this.wrap(font, size, text, width)) {
      this.ensure(size * 1.4);
      this.y -= size * 1.4;
      this.page.drawText(line, {
        x,
        y: this.y,
        size,
        font,
        color: rgb(...(options.color ?? [0.13, 0.13, 0.13])),
      });
    }
  }

  title(text: string): void {
    this.lines(text, { font: this.bold, size: 18 });
    this.y -= 4;
  }

  heading(text: string): void {
    this.y -= 10;
    this.ensure(40);
    this.lines(text, { font: this.bold, size: 13 });
    this.page.drawLine({
      start: { x: MARGIN, y: this.y - 3 },
      end: { x: A4[0] - MARGIN, y: this.y - 3 },
      thickness: 0.7,
      color: rgb(0.7, 0.7, 0.7),
    });
    this.y -= 6;
  }

  paragraph(text: string, tone: 'normal' | 'muted' | 'good' | 'bad' = 'normal'): void {
    const color: [number, number, number] =
      tone === 'muted'
        ? [0.4, 0.4, 0.4]
        : tone === 'good'
          ? [0.1, 0.5, 0.2]
          : tone === 'bad'
            ? [0.7, 0.14, 0.1]
            : [0.13, 0.13, 0.13];
    this.lines(text, { font: tone === 'good' || tone === 'bad' ? this.bold : this.regular, color });
    this.y -= 3;
  }

  /** Label on the left, value wrapped on the right; hashes in a monospace font. */
  keyValues(rows: [string, unknown][]): void {
    for (const [label, value] of rows) {
      const text = value === null || value === undefined ? '-' : String(value);
      this.ensure(14);
      const top = this.y;
      const startPage = this.page;
      this.lines(label, { font: this.bold, size: 9, width: 140 });
      const afterLabel = this.y;
      if (this.page === startPage) this.y = top;
      const isHash = /^[0-9a-f]{32,}$/.test(text);
      this.lines(text, { font: isHash ? this.mono : this.regular, size: isHash ? 8 : 9, x: MARGIN + 150 });
      this.y = Math.min(this.y, afterLabel);
    }
    this.y -= 4;
  }

  /** A simple table: equal-width columns, text wrapped inside each cell. */
  table(headers: string[], rows: unknown[][]): void {
    const width = A4[0] - 2 * MARGIN;
    const column = width / headers.length;
    const drawRow = (cells: unknown[], font: PDFFont): void => {
      const wrapped = cells.map((cell) =>
        this.wrap(font, 8, cell === null || cell === undefined ? '-' : String(cell), column - 6),
      );
      const height = Math.max(...wrapped.map((w) => w.length)) * 11 + 4;
      this.ensure(height);
      wrapped.forEach((lines, i) => {
        lines.forEach((line, j) => {
          this.page.drawText(line, {
            x: MARGIN + i * column + 3,
            y: this.y - 10 - j * 11,
            size: 8,
            font,
            color: rgb(0.13, 0.13, 0.13),
          });
        });
      });
      this.y -= height;
      this.page.drawLine({
        start: { x: MARGIN, y: this.y + 1 },
        end: { x: MARGIN + width, y: this.y + 1 },
        thickness: 0.3,
        color: rgb(0.8, 0.8, 0.8),
      });
    };
    drawRow(headers, this.bold);
    for (const row of rows) drawRow(row, this.regular);
    this.y -= 6;
  }

  async save(): Promise<Uint8Array> {
    const pages = this.doc.getPages();
    pages.forEach((page, i) => {
      page.drawText(`${i + 1} / ${pages.length}`, {
        x: A4[0] - MARGIN - 30,
        y: 25,
        size: 8,
        font: this.regular,
        color: rgb(0.5, 0.5, 0.5),
      });
    });
    return this.doc.save();
  }
}
