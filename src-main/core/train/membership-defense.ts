import type { Workspace } from '../store/workspace.js';
import { tf } from '../engine/tf.js';
import { engineInfo } from '../engine/backend.js';
import { createRng, deriveSeed } from '../engine/seed.js';
import { ARCHITECTURES } from '../models/registry.js';
import { decodeModelArtifact, encodeModelArtifact } from '../models/artifact.js';
import { countParams } from '../compress/model-size.js';
import { loadDataset } from '../data/dataset-kinds.js';
import { sampleIndices } from '../data/sample-dataset.js';
import { getModel, insertModel } from '../store/models.js';
import { appendAuditEvent } from '../audit/log.js';
import { badInput } from '../errors.js';
import { newId, utcNow } from '../util/ids.js';
import { runJob } from '../jobs/run-job.js';
import type { JobContext } from '../jobs/job-context.js';
import { fitEpochs } from './fit-epochs.js';
import { ReplicaPool } from './replica-pool.js';

export interface MembershipDefenseOptions {
  modelId: string;
  /** Reference samples drawn from the model's distribution (default: as many as its training samples). */
  samples?: number;
  epochs?: number;
  seed?: number;
  name?: string;
}

export const MEMBERSHIP_DEFENSE_RECIPE = 'membership-defense:mixup-distill';

/**
 * Membership-inference defence by retraining on samples drawn from the model's own distribution, in the spirit
 * of distillation for membership privacy (Shejwalkar & Houmansadr 2021): a fresh model of the same architecture
 * learns only the teacher's class probabilities on reference inputs that are not training samples (convex
 * mixtures of two training inputs plus noise, relabelled by the teacher), never a training sample with its
 * label. The child is stored under the teacher, so `attest validate --suite membership` on it reports the
 * attack's advantage before (the parent) and after (the child).
 */
export async function defendMembership(
  workspace: Workspace,
  options: MembershipDefenseOptions,
  context: JobContext,
) {
  const teacherRow = getModel(workspace.db, options.modelId);
  if (teacherRow.datasetId === null) throw badInput(`model ${teacherRow.id} records no training dataset`);
  const architecture = ARCHITECTURES[teacherRow.arch];
  if (architecture === undefined)
    throw badInput(`model ${teacherRow.id} has an unknown architecture ${teacherRow.arch}`);
  const epochs = options.epochs ?? 5;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 200) throw badInput('--epochs must be 1 to 200');
  const params = { ...options, epochs, seed, recipe: MEMBERSHIP_DEFENSE_RECIPE };
  return runJob(workspace, 'membership-defense', params, context, async (jobId, job) => {
    const datasetId = teacherRow.datasetId as string;
    const dataset = loadDataset(workspace, datasetId);
    const fitGroups = new Set((teacherRow.summary['trainRecords'] as string[] | undefined) ?? []);
    const fit = sampleIndices(dataset, 'train').filter((i) =>
      fitGroups.has(dataset.groups[dataset.group[i] as number] ?? ''),
    );
    if (fit.length < 2)
      throw badInput(`model ${teacherRow.id} does not record enough training samples to draw from`);
    const samples = options.samples ?? fit.length;
    if (!Number.isInteger(samples) || samples < 10 || samples > 1_000_000)
      throw badInput('--samples must be 10 to 1000000');
    const inputs = dataset.inputs(fit);
    const size = dataset.sampleShape.reduce((a, b) => a * b, 1);
    const classes = dataset.classes.length;
    // Reference inputs: x = l * a + (1 - l) * b + noise, with a and b training inputs, l ~ U(0.2, 0.8).
    const random = createRng(deriveSeed(seed, 'membership-defense'));
    const reference = new Float32Array(samples * size);
    for (let s = 0; s < samples; s++) {
      const a = Math.floor(random() * fit.length) * size;
      const b = Math.floor(random() * fit.length) * size;
      const l = 0.2 + 0.6 * random();
      for (let i = 0; i < size; i++)
        reference[s * size + i] =
          l * (inputs[a + i] as number) + (1 - l) * (inputs[b + i] as number) + 0.05 * (2 * random() - 1);
    }
    const { model: teacher } = await decodeModelArtifact(
      workspace.artifacts.get(teacherRow.artifactSha256),
      `model ${teacherRow.id}`,
    );
    const targets = new Float32Array(samples * classes);
    try {
      for (let from = 0; from < samples; from += 512) {
        const count = Math.min(512, samples - from);
        const p = tf.tidy(
          () =>
            teacher.predict(
              tf.tensor(reference.subarray(from * size, (from + count) * size), [
                count,
                ...dataset.sampleShape,
              ]),
            ) as tf.Tensor,
        );
        targets.set(p.dataSync(), from * classes);
        p.dispose();
      }
    } finally {
      teacher.dispose();
    }
    const hard = Int32Array.from({ length: samples }, (_, s) => {
      let best = 0;
      for (let c = 1; c < classes; c++)
        if ((targets[s * classes + c] as number) > (targets[s * classes + best] as number)) best = c;
      return best;
    });
    const student = architecture.build({ sampleShape: dataset.sampleShape, classes, seed });
    const optimizer = tf.train.adam(1e-3);
    try {
      student.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const backend = engineInfo().backend;
      const run = await fitEpochs({
        model: student,
        inputs: reference,
        labels: hard,
        softTargets: targets,
        sampleShape: dataset.sampleShape,
        classes,
        epochs,
        batchSize: 64,
        seed,
        signal: job.signal,
        replicas: ReplicaPool.defaultSize(backend),
        onNotice: (m) => job.log(m),
        onBatch: (epoch, fraction, loss) =>
          job.progress((epoch - 1 + fraction) / epochs, `epoch ${epoch}/${epochs} loss ${loss.toFixed(4)}`),
      });
      const meta = teacherRow.config['meta'];
      const bytes = await encodeModelArtifact(student, {
        meta: { ...(meta as object), defense: MEMBERSHIP_DEFENSE_RECIPE },
      });
      const stored = workspace.artifacts.put(bytes);
      const counts = countParams(student);
      const modelId = newId('m');
      const summary = {
        trainRecords: teacherRow.summary['trainRecords'],
        validationRecords: teacherRow.summary['validationRecords'],
        defense: {
          recipe: MEMBERSHIP_DEFENSE_RECIPE,
          referenceSamples: samples,
          epochs: run.epochsRun,
          replicas: run.replicas,
        },
      };
      workspace.db.transaction(() => {
        insertModel(workspace.db, {
          id: modelId,
          name: options.name ?? `${teacherRow.name} [membership defence]`,
          arch: teacherRow.arch,
          datasetId,
          parentId: teacherRow.id,
          recipe: MEMBERSHIP_DEFENSE_RECIPE,
          artifactSha256: stored.sha256,
          sizeBytes: stored.size,
          params: counts.params,
          nonzeroParams: counts.nonzero,
          backend,
          seed,
          config: { ...teacherRow.config, defense: params },
          summary,
          createdAt: utcNow(),
        });
        appendAuditEvent(workspace.db, {
          action: 'model.membership_defense',
          entityType: 'model',
          entityId: modelId,
          payload: {
            params: { ...params, jobId },
            backend,
            inputs: [{ role: 'parent-model', sha256: teacherRow.artifactSha256 }],
            outputs: [{ role: 'model', sha256: stored.sha256 }],
            result: { referenceSamples: samples, epochsRun: run.epochsRun },
          },
        });
      })();
      return {
        modelId,
        parentId: teacherRow.id,
        recipe: MEMBERSHIP_DEFENSE_RECIPE,
        referenceSamples: samples,
        epochsRun: run.epochsRun,
        sizeBytes: stored.size,
      };
    } finally {
      student.dispose();
      optimizer.dispose();
    }
  });
}
