import { PDFDocument, PDFRawStream, decodePDFRawStream } from 'pdf-lib';

/**
 * The text drawn on each page of a PDF written by pdf-lib (hex strings shown with Tj), for tests that check
 * what a PDF says without a renderer.
 */
export async function pdfPagesText(bytes: Uint8Array): Promise<{ pages: number; text: string }> {
  const doc = await PDFDocument.load(bytes);
  const chunks: string[] = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFRawStream)) continue;
    const content = Buffer.from(decodePDFRawStream(object).decode()).toString('latin1');
    for (const match of content.matchAll(/<([0-9A-Fa-f]+)> Tj/g))
      chunks.push(Buffer.from(match[1] as string, 'hex').toString('latin1'));
  }
  return { pages: doc.getPageCount(), text: chunks.join('\n') };
}
