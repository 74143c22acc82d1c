import { randomBytes } from 'node:crypto';
import type { Workspace } from '../store/workspace.js';
import type { tfl } from '../engine/tf.js';
import { appendAuditEvent, rowToEvent, type AuditRow } from '../audit/log.js';
import type { AuditEvent } from '../audit/event-hash.js';
import { decodeModelArtifact, encodeModelArtifact } from '../models/artifact.js';
import { getDataset } from '../store/datasets.js';
import { sha256Hex } from '../util/hash.js';
import { badInput } from '../errors.js';
import type { ImagePreprocessing } from '../data/images/preprocess.js';
import type { GanShape } from './conditional-gan.js';
import type { GanEpochRecord } from './train-gan.js';
import { leakFigures, type LeakCheckResult } from './leak-check.js';

/** The audit action that records a trained generator; its event is the generator's catalogue entry. */
export const GENERATOR_TRAIN_ACTION = 'generative.train';
export const LEAK_CHECK_ACTION = 'generative.leak_check';

/** What a generator artifact carries beside its weights (in the model artifact's header). */
export interface GeneratorMeta {
  kind: 'cgan-generator';
  version: 1;
  datasetId: string;
  classes: string[];
  shape: GanShape;
  /** The dataset's image preprocessing: generated pixels go through its normalization to become model inputs. */
  preprocessing: ImagePreprocessing;
  /** Dataset sample indices the generator was trained on, and the real ones it never saw (the leak reference). */
  trainingSamples: number[];
  heldOutSamples: number[];
  /** Identifies the training run: same dataset bundle, samples and settings give the same key. */
  trainingSetKey: string;
  settings: GeneratorSettings;
  history: GanEpochRecord[];
}

export interface GeneratorSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  latent: number;
  seed: number;
}

export interface StoredGenerator {
  generatorId: string;
  sha256: string;
  sizeBytes: number;
  datasetId: string;
  createdAt: string;
  /** The leak check run at training time. */
  leakCheck: Pick<LeakCheckResult, 'verdict' | 'summary'>;
  trainingSetKey: string;
}

/** The key of a training run: the dataset's content, the samples used and every setting that shapes the result. */
export function trainingSetKey(
  datasetSha256: string,
  trainingSamples: readonly number[],
  settings: GeneratorSettings,
  backend: string,
): string {
  return sha256Hex(
    new TextEncoder().encode(
      JSON.stringify({ datasetSha256, trainingSamples, settings, backend, model: 'cgan-v1' }),
    ),
  );
}

function toStored(event: AuditEvent): StoredGenerator {
  const payload = event.payload as {
    params?: { datasetId?: string };
    outputs?: { role: string; sha256: string }[];
    result?: {
      sizeBytes?: number;
      leakCheck?: { verdict: 'leak' | 'no-leak'; summary: string };
      trainingSetKey?: string;
    };
  };
  const output = payload.outputs?.find((o) => o.role === 'generator');
  return {
    generatorId: event.entityId ?? '',
    sha256: output?.sha256 ?? '',
    sizeBytes: payload.result?.sizeBytes ?? 0,
    datasetId: payload.params?.datasetId ?? '',
    createdAt: event.at,
    leakCheck: payload.result?.leakCheck ?? { verdict: 'no-leak', summary: '' },
    trainingSetKey: payload.result?.trainingSetKey ?? '',
  };
}

/** Every stored generator, oldest first (read from the audit trail, which is where they are recorded). */
export function listGenerators(workspace: Workspace): StoredGenerator[] {
  const rows = workspace.db
    .prepare('SELECT * FROM audit_events WHERE action = ? ORDER BY seq')
    .all(GENERATOR_TRAIN_ACTION) as AuditRow[];
  return rows.map((row) => toStored(rowToEvent(row)));
}

export function findGenerator(workspace: Workspace, generatorId: string): StoredGenerator {
  const found = listGenerators(workspace).find((g) => g.generatorId === generatorId);
  if (found === undefined)
    throw badInput(`unknown generator "${generatorId}" (attest generative list shows the stored ones)`);
  return found;
}

/** A generator trained earlier on exactly the same samples with the same settings, if any. */
export function findGeneratorByKey(workspace: Workspace, key: string): StoredGenerator | undefined {
  return listGenerators(workspace).find((g) => g.trainingSetKey === key);
}

/** Loads a stored generator (its artifact re-hashed on read); the caller disposes of the model. */
export async function loadGenerator(
  workspace: Workspace,
  stored: StoredGenerator,
): Promise<{ model: tfl.LayersModel; meta: GeneratorMeta }> {
  const { model, header } = await decodeModelArtifact(
    workspace.artifacts.get(stored.sha256),
    `generator ${stored.generatorId}`,
  );
  const meta = header.meta as unknown as GeneratorMeta;
  if (meta.kind !== 'cgan-generator') {
    model.dispose();
    throw badInput(`artifact of ${stored.generatorId} is not a generator`);
  }
  return { model, meta };
}

/**
 * Stores a trained generator as a content-addressed artifact and records it in the audit trail (the event names
 * the dataset bundle it read, the artifact it wrote and the leak check's verdict), in one transaction; the artifact
 * is removed again if that fails.
 */
export async function storeGenerator(
  workspace: Workspace,
  generator: tfl.LayersModel,
  meta: GeneratorMeta,
  facts: {
    backend: string;
    seconds: number;
    epochsRun: number;
    stoppedBy: string;
    leakCheck: LeakCheckResult;
  },
): Promise<StoredGenerator> {
  const datasetRow = getDataset(workspace.db, meta.datasetId);
  const bytes = await encodeModelArtifact(generator, { meta: meta as unknown as Record<string, unknown> });
  const generatorId = `gen-${randomBytes(6).toString('hex')}`;
  const wasStored = workspace.artifacts.has(sha256Hex(bytes));
  const stored = workspace.artifacts.put(bytes);
  try {
    const event = workspace.db.transaction(() =>
      appendAuditEvent(workspace.db, {
        action: GENERATOR_TRAIN_ACTION,
        entityType: 'generator',
        entityId: generatorId,
        payload: {
          params: { datasetId: meta.datasetId, model: 'cgan', ...meta.settings },
          backend: facts.backend,
          inputs: [{ role: 'dataset-bundle', sha256: datasetRow.dataSha256 }],
          outputs: [{ role: 'generator', sha256: stored.sha256 }],
          result: {
            sizeBytes: stored.size,
            trainingSetKey: meta.trainingSetKey,
            trainingSamples: meta.trainingSamples.length,
            heldOutSamples: meta.heldOutSamples.length,
            epochsRun: facts.epochsRun,
            stoppedBy: facts.stoppedBy,
            seconds: facts.seconds,
            leakCheck: {
              verdict: facts.leakCheck.verdict,
              summary: facts.leakCheck.summary,
              spaces: leakFigures(facts.leakCheck),
            },
          },
        },
      }),
    )();
    return toStored(event);
  } catch (error) {
    if (!wasStored) workspace.artifacts.remove(stored.sha256);
    throw error;
  }
}
