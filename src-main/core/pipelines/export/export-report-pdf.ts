import { writeFileSync } from 'node:fs';
import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { gatherReportData } from '../../report/report-data.js';
import { renderModelReportPdf } from '../../report/pdf-report.js';

/** Writes the PDF report of a model and records the export, with the file's SHA-256, in the audit trail. */
export async function exportModelReportPdf(
  workspace: Workspace,
  modelId: string,
  path: string,
): Promise<{ path: string; sha256: string; bytes: number }> {
  if (!path.toLowerCase().endsWith('.pdf'))
    throw badInput('the PDF report must be written to a .pdf file', path);
  const pdf = await renderModelReportPdf(gatherReportData(workspace, modelId));
  const sha256 = sha256Hex(pdf);
  // The event first, in its own transaction: a refused anonymous export then leaves no file behind.
  workspace.db.transaction(() => {
    appendAuditEvent(workspace.db, {
      action: 'report.export',
      entityType: 'model',
      entityId: modelId,
      payload: { params: { modelId, format: 'pdf', path }, result: { sha256, bytes: pdf.length } },
    });
  })();
  try {
    writeFileSync(path, pdf);
  } catch (error) {
    throw badInput(`cannot write the report: ${(error as Error).message}`, path);
  }
  return { path, sha256, bytes: pdf.length };
}
