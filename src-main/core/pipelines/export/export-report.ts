import { writeFileSync } from 'node:fs';
import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import { badInput } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import { gatherReportData } from '../../report/report-data.js';
import { renderModelReport } from '../../report/model-report.js';

/** Writes the HTML report of a model and records the export, with the report's SHA-256, in the audit trail. */
export function exportModelReport(
  workspace: Workspace,
  modelId: string,
  path: string,
): { path: string; sha256: string; bytes: number } {
  if (!path.toLowerCase().endsWith('.html'))
    throw badInput('the report must be written to an .html file', path);
  const html = renderModelReport(gatherReportData(workspace, modelId));
  const sha256 = sha256Hex(html);
  const bytes = Buffer.byteLength(html);
  try {
    writeFileSync(path, html);
  } catch (error) {
    throw badInput(`cannot write the report: ${(error as Error).message}`, path);
  }
  workspace.db.transaction(() => {
    appendAuditEvent(workspace.db, {
      action: 'report.export',
      entityType: 'model',
      entityId: modelId,
      payload: { params: { modelId, format: 'html', path }, result: { sha256, bytes } },
    });
  })();
  return { path, sha256, bytes };
}
