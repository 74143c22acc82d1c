import type { Workspace } from '../../store/workspace.js';
import { getModel, listModels } from '../../store/models.js';
import {
  buildAuditBundle,
  type ArtifactChoice,
  type BundleDocument,
  type BundleResult,
} from '../../audit/export-bundle.js';
import { gatherReportData } from '../../report/report-data.js';
import { renderModelReport } from '../../report/model-report.js';
import { renderModelReportPdf } from '../../report/pdf-report.js';
import { renderModelCard } from '../../report/model-card.js';

/**
 * `attest audit export`: the reports (HTML and PDF) and the model card of each chosen model (all models by
 * default), packed with the audit evidence by buildAuditBundle. Lives in report/ because it renders documents;
 * the bundle format itself belongs to audit/.
 */
export async function exportAuditBundle(
  workspace: Workspace,
  options: { out: string; modelIds?: string[]; artifacts?: ArtifactChoice },
): Promise<BundleResult> {
  const models =
    options.modelIds !== undefined
      ? options.modelIds.map((id) => getModel(workspace.db, id))
      : listModels(workspace.db);
  const documents: BundleDocument[] = [];
  const encoder = new TextEncoder();
  for (const model of models) {
    const data = gatherReportData(workspace, model.id);
    documents.push({ path: `reports/${model.id}.html`, bytes: encoder.encode(renderModelReport(data)) });
    documents.push({ path: `reports/${model.id}.pdf`, bytes: await renderModelReportPdf(data) });
    documents.push({
      path: `reports/${model.id}-model-card.html`,
      bytes: encoder.encode(renderModelCard(workspace, model.id).html),
    });
  }
  return buildAuditBundle(workspace, {
    out: options.out,
    documents,
    artifacts: options.artifacts ?? 'models',
    scope: { models: models.map((m) => m.id) },
  });
}
