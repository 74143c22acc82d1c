import { Workspace } from '../../src-main/core/store/workspace.js';
import { insertDataset } from '../../src-main/core/store/datasets.js';
import { insertModel } from '../../src-main/core/store/models.js';
import { insertValidation } from '../../src-main/core/store/validations.js';
import { appendAuditEvent } from '../../src-main/core/audit/log.js';

/**
 * A dataset, a model and its validation stored through the real repositories, each with its artifact and its
 * audit event, as the importer, trainer and validator leave them; small enough for tests that sign and export.
 */
export function seedRecords(
  ws: Workspace,
  actor?: string,
): { datasetId: string; modelId: string; validationId: string; modelSha: string } {
  const data = ws.artifacts.put(new TextEncoder().encode('beat tensors of a tiny dataset'));
  const weights = ws.artifacts.put(new TextEncoder().encode('weights of a tiny model'));
  const now = new Date().toISOString();
  const datasetId = 'ds-000000000001';
  const modelId = 'm-000000000001';
  const validationId = 'val-000000000001';
  ws.db.transaction(() => {
    insertDataset(
      ws.db,
      {
        id: datasetId,
        name: 'tiny',
        kind: 'ecg-beats',
        createdAt: now,
        importerVersion: 'test-1',
        params: { split: 'ds1ds2' },
        summary: {},
        dataSha256: data.sha256,
      },
      [{ record: '100', path: 'resources/mitdb/100.dat', size: 10, sha256: 'a'.repeat(64) }],
      [
        { name: '100', split: 'train', samples: 30, classCounts: { N: 25, V: 5 } },
        { name: '119', split: 'test', samples: 20, classCounts: { N: 12, V: 8 } },
      ],
    );
    appendAuditEvent(ws.db, {
      action: 'dataset.import',
      entityType: 'dataset',
      entityId: datasetId,
      ...(actor !== undefined ? { actor } : {}),
      payload: { outputs: [{ role: 'data', sha256: data.sha256 }] },
    });
    insertModel(ws.db, {
      id: modelId,
      name: 'tiny-resnet',
      arch: 'ecg-resnet',
      datasetId,
      parentId: null,
      recipe: null,
      artifactSha256: weights.sha256,
      sizeBytes: 23,
      params: 1000,
      nonzeroParams: 1000,
      backend: 'cpu',
      seed: 1,
      config: { epochs: 2, batchSize: 32 },
      summary: { classes: ['N', 'V'] },
      createdAt: now,
    });
    appendAuditEvent(ws.db, {
      action: 'model.train',
      entityType: 'model',
      entityId: modelId,
      ...(actor !== undefined ? { actor } : {}),
      payload: {
        inputs: [{ role: 'data', sha256: data.sha256 }],
        outputs: [{ role: 'model', sha256: weights.sha256 }],
      },
    });
    insertValidation(
      ws.db,
      {
        id: validationId,
        modelId,
        datasetId,
        split: 'test',
        suites: ['clean'],
        backend: 'cpu',
        result: {
          clean: {
            n: 20,
            accuracy: 0.9,
            macroF1: 0.88,
            labels: ['N', 'V'],
            confusion: [
              [11, 1],
              [1, 7],
            ],
            perClass: [
              { label: 'N', support: 12, sensitivity: 11 / 12, positivePredictivity: 11 / 12, f1: 11 / 12 },
              { label: 'V', support: 8, sensitivity: 7 / 8, positivePredictivity: 7 / 8, f1: 7 / 8 },
            ],
          },
        },
        createdAt: now,
      },
      [{ suite: 'clean', name: 'accuracy', value: 0.9 }],
    );
    appendAuditEvent(ws.db, {
      action: 'model.validate',
      entityType: 'validation',
      entityId: validationId,
      ...(actor !== undefined ? { actor } : {}),
      payload: { inputs: [{ role: 'model', sha256: weights.sha256 }], result: { accuracy: 0.9 } },
    });
  })();
  return { datasetId, modelId, validationId, modelSha: weights.sha256 };
}
