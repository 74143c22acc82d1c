import type { ActionRequest } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { badInput } from '../../core/errors.js';
import { initEngine } from '../../core/engine/backend.js';
import { predictRecordBeats } from '../../core/viewer/record-predictions.js';
import { modelErrors } from '../../core/predict/model-errors.js';
import { explainSample } from '../../core/explain/explain-sample.js';
import { compareModels } from '../../core/pipelines/compare/compare-models.js';
import {
  annotatedRecordPaths,
  previewRecordSplit,
  recordClassCounts,
} from '../../core/data/split-sufficiency-preview.js';
import { resourcePath } from '../../core/util/resources.js';
import { RecordViewers } from './record-viewers.js';
import { sampleRecords } from './catalog-actions.js';

/**
 * The record and model-inspection actions: a record's strip (with a model's beats), a split's preview, a model's
 * errors, one sample explained, two models compared.
 */
export function recordHandlers(workspace: Workspace) {
  const viewers = new RecordViewers(workspace);
  return {
    'records.strip': async (payload: {
      datasetId: string;
      record: string;
      start: number;
      duration: number;
      points?: number;
      modelId?: string;
    }) => {
      const viewer = viewers.open(payload.datasetId, payload.record);
      if (payload.modelId !== undefined) {
        await initEngine();
        viewer.setPredictions(
          await predictRecordBeats(workspace, payload.modelId, payload.datasetId, payload.record),
        );
      } else viewer.setPredictions(undefined);
      return viewer.strip({
        start: payload.start,
        duration: payload.duration,
        points: payload.points ?? 1200,
      });
    },
    'records.splitPreview': (payload: {
      sampleRecords?: string[];
      paths?: string[];
      split: string;
      seconds?: number;
    }) => {
      const available = sampleRecords();
      const unknown = (payload.sampleRecords ?? []).filter((r) => !available.includes(r));
      if (unknown.length > 0) throw badInput(`not a bundled sample record: ${unknown.join(', ')}`);
      const inputs = [
        ...(payload.sampleRecords ?? []).map((r) => resourcePath('mitdb', r)),
        ...(payload.paths ?? []),
      ];
      if (inputs.length === 0) throw badInput('choose at least one record');
      const seconds = payload.seconds !== undefined ? { seconds: payload.seconds } : {};
      return previewRecordSplit(
        annotatedRecordPaths(inputs).map((path) => recordClassCounts(path, seconds)),
        payload.split,
      );
    },
    'models.explainSample': async (payload: ActionRequest<'models.explainSample'>) => {
      await initEngine();
      return explainSample(workspace, payload);
    },
    'models.errors': async (payload: {
      modelId: string;
      datasetId: string;
      trueClass?: string;
      predictedClass?: string;
      limit?: number;
    }) => {
      await initEngine();
      const { classes, samples, wrong, matching, counts, errors } = await modelErrors(workspace, payload);
      return { classes, samples, wrong, matching, counts, errors };
    },
    'models.compare': async (payload: ActionRequest<'models.compare'>) => {
      await initEngine();
      return compareModels(workspace, payload);
    },
  };
}
