import type { Workspace } from '../../store/workspace.js';
import { getModel } from '../../store/models.js';
import { upsertMeasurement, type MeasurementRow } from '../../store/model-measurements.js';
import { decodeModelArtifact } from '../../models/artifact.js';
import { appendAuditEvent } from '../../audit/log.js';
import { utcNow } from '../../util/ids.js';
import { measureModel, type MeasureOptions } from '../../compress/measure-model.js';

/**
 * Measures a stored model on the active backend and stores the figures (replacing an earlier measurement on
 * the same backend), with an audit event naming the artifact that was measured.
 */
export async function measureStoredModel(
  workspace: Workspace,
  modelId: string,
  options: MeasureOptions = {},
): Promise<MeasurementRow> {
  const row = getModel(workspace.db, modelId);
  const bytes = workspace.artifacts.get(row.artifactSha256);
  const { model } = await decodeModelArtifact(bytes, `model ${modelId}`);
  let measured: Awaited<ReturnType<typeof measureModel>>;
  try {
    measured = await measureModel(model, bytes, options);
  } finally {
    model.dispose();
  }
  const stored: MeasurementRow = { modelId, ...measured, measuredAt: utcNow() };
  workspace.db.transaction(() => {
    upsertMeasurement(workspace.db, stored);
    appendAuditEvent(workspace.db, {
      action: 'model.measure',
      entityType: 'model',
      entityId: modelId,
      payload: {
        backend: stored.backend,
        inputs: [{ role: 'model', sha256: row.artifactSha256 }],
        result: { ...measured },
      },
    });
  })();
  return stored;
}
