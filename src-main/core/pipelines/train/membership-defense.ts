import type { Workspace } from '../../store/workspace.js';
import { tf } from '../../engine/tf.js';
import { engineInfo } from '../../engine/backend.js';
import { createRng, deriveSeed, shuffledIndices } from '../../engine/seed.js';
import { ARCHITECTURES } from '../../models/registry.js';
import { encodeModelArtifact } from '../../models/artifact.js';
import { countParams } from '../../compress/model-size.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { sampleIndices } from '../../data/sample-dataset.js';
import { getModel } from '../../store/models.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { runJob } from '../../jobs/run-job.js';
import type { JobContext } from '../../jobs/job-context.js';
import { distillOnReference } from '../../train/reference-distillation.js';
import { ReplicaPool } from '../../train/replica-pool.js';
import {
  isMembershipDefenseRecipe,
  MEMBERSHIP_DEFENSE_RECIPE,
} from '../../train/membership-defense-recipe.js';
import { persistModel } from '../../persist/persist-model.js';
import { decodeStoredModel } from '../../predict/load-stored-model.js';

export { isMembershipDefenseRecipe, MEMBERSHIP_DEFENSE_RECIPE };

export interface MembershipDefenseOptions {
  modelId: string;
  /** Reference inputs offered (default: every sample of the model's validation records), before selection. */
  samples?: number;
  epochs?: number;
  seed?: number;
  name?: string;
}

/**
 * Membership-inference defence by Distillation for Membership Privacy (Shejwalkar & Houmansadr 2021), trained as
 * published (see reference-distillation.ts): a fresh model of the same architecture learns only the model's
 * softened predictions on reference inputs it never trained on, the lower-entropy half of them. The reference
 * inputs are the beats of the model's validation records: patients held out of its training (they only chose
 * its best epoch), never a test sample. The child is stored under the teacher, so `attest validate --suite
 * membership` on it reports the attack's advantage before (the parent) and after (the child).
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
  if (
    options.samples !== undefined &&
    (!Number.isInteger(options.samples) || options.samples < 10 || options.samples > 1_000_000)
  )
    throw badInput('--samples must be 10 to 1000000');
  const params = { ...options, epochs, seed, recipe: MEMBERSHIP_DEFENSE_RECIPE };
  return runJob(workspace, 'membership-defense', params, context, async (jobId, job) => {
    const datasetId = teacherRow.datasetId as string;
    const dataset = loadDataset(workspace, datasetId);
    const heldOut = new Set((teacherRow.summary['validationRecords'] as string[] | undefined) ?? []);
    // 'all': the held-out groups are the train split's validation records, or a published val split (MedMNIST).
    const candidates = sampleIndices(dataset, 'all').filter((i) =>
      heldOut.has(dataset.groups[dataset.group[i] as number] ?? ''),
    );
    if (candidates.length < 10)
      throw badInput(
        `model ${teacherRow.id} has ${candidates.length} samples in held-out validation records; the defence needs at least 10 inputs the model never trained on`,
      );
    const offered =
      options.samples !== undefined && options.samples < candidates.length
        ? Array.from(
            shuffledIndices(candidates.length, createRng(deriveSeed(seed, 'membership-defense'))).subarray(
              0,
              options.samples,
            ),
            (k) => candidates[k] as number,
          ).sort((a, b) => a - b)
        : candidates;
    const samples = offered.length;
    const classes = dataset.classes.length;
    const teacher = await decodeStoredModel(workspace, teacherRow);
    const student = architecture.build({ sampleShape: dataset.sampleShape, classes, seed });
    const optimizer = tf.train.adam(1e-3);
    try {
      student.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const backend = engineInfo().backend;
      const distilled = await distillOnReference({
        teacher,
        student,
        reference: dataset.inputs(offered),
        sampleShape: dataset.sampleShape,
        classes,
        epochs,
        seed,
        signal: job.signal,
        replicas: ReplicaPool.defaultSize(backend),
        onNotice: (m) => job.log(m),
        onBatch: (epoch, fraction, loss) =>
          job.progress(
            Math.min(1, (epoch - 1 + fraction) / epochs),
            `epoch ${epoch} loss ${loss.toFixed(4)}`,
          ),
      });
      const run = { epochsRun: distilled.epochsRun, replicas: distilled.replicas };
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
          referenceKept: distilled.referenceKept,
          temperature: distilled.temperature,
          referenceRecords: [...heldOut],
          epochs: run.epochsRun,
          replicas: run.replicas,
        },
      };
      persistModel(
        workspace.db,
        {
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
        },
        {
          action: 'model.membership_defense',
          payload: {
            params: { ...params, jobId },
            backend,
            inputs: [{ role: 'parent-model', sha256: teacherRow.artifactSha256 }],
            outputs: [{ role: 'model', sha256: stored.sha256 }],
            result: { referenceSamples: samples, epochsRun: run.epochsRun },
          },
        },
      );
      return {
        modelId,
        parentId: teacherRow.id,
        recipe: MEMBERSHIP_DEFENSE_RECIPE,
        referenceSamples: samples,
        epochsRun: run.epochsRun,
        sizeBytes: stored.size,
      };
    } finally {
      teacher.dispose();
      student.dispose();
      optimizer.dispose();
    }
  });
}
