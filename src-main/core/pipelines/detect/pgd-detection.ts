import type { Workspace } from '../../store/workspace.js';
import { tf, type tfl } from '../../engine/tf.js';
import { engineInfo } from '../../engine/backend.js';
import type { MetricRowInput } from '../../store/validations.js';
import { badInput } from '../../errors.js';
import { runJob } from '../../jobs/run-job.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import type { DecodedImage } from '../../data/images/decoded-image.js';
import type { GroundTruthBox } from '../../detect/boxes.js';
import {
  detectionFrames,
  frameImage,
  frameTruths,
  loadDetectionDataset,
} from '../../detect/detection-dataset.js';
import { INPUT_NORMALIZATION, letterbox, placeFrame, visibleTargets } from '../../detect/frame-placement.js';
import { encodeTargets } from '../../detect/targets.js';
import { centernetLoss, type TargetTensors } from '../../detect/detection-loss.js';
import { OUTPUT_STRIDE } from '../../models/centernet-model.js';
import { detectorInputSize, viewDetections } from '../../detect/predict-detector.js';
import { evaluateDetections, type EvaluatedFrame } from '../../detect/average-precision.js';
import { checkSameClasses, loadStoredDetector } from '../../detect/stored-detector.js';
import { storeDetectionValidation } from './store-detection-validation.js';
import { DETECTION_PGD_SUITE } from '../../detect/detection-suite-names.js';

export { DETECTION_PGD_SUITE };

export const DEFAULT_DETECTION_EPSILONS = [1 / 255, 2 / 255, 4 / 255, 8 / 255];

export interface DetectorPgdOptions {
  modelId: string;
  datasetId?: string;
  /** L-infinity budgets in intensity units of [0, 1] (1/255 = one 8-bit grey level). */
  epsilons?: number[];
  steps?: number;
}

export interface DetectorPgdResult {
  validationId: string;
  modelId: string;
  datasetId: string;
  backend: string;
  frames: number;
  steps: number;
  rows: {
    epsilon: number;
    map50: number | null;
    mapCoco: number | null;
    ap50: Record<string, number | null>;
  }[];
}

/**
 * PGD on the detection loss (Madry et al. 2018, no random start): each test frame, letterboxed as for
 * inference, moves `steps` times by 2.5 * eps / steps along the sign of the gradient of the CenterNet loss
 * against its own ground truth, kept within eps of the clean frame (L-infinity) and inside the valid intensity
 * range; only the frame's pixels move, not the letterbox padding. AP is then measured on the moved frames.
 */
export async function detectorPgd(
  workspace: Workspace,
  options: DetectorPgdOptions,
  context: JobContext,
): Promise<DetectorPgdResult> {
  const epsilons = options.epsilons ?? DEFAULT_DETECTION_EPSILONS;
  const steps = options.steps ?? 5;
  if (epsilons.length === 0 || epsilons.some((e) => !(e > 0 && e <= 0.5)))
    throw badInput(
      `--epsilons must be above 0 and at most 0.5 (intensities in [0, 1]), got ${epsilons.join(',')}`,
    );
  if (!Number.isInteger(steps) || steps < 1 || steps > 100)
    throw badInput(`--steps must be an integer from 1 to 100, got ${steps}`);
  const detector = await loadStoredDetector(workspace, options.modelId);
  try {
    const datasetId = options.datasetId ?? detector.row.datasetId;
    if (datasetId === null) throw badInput(`model ${options.modelId} names no dataset; give --dataset`);
    const dataset = loadDetectionDataset(workspace, datasetId);
    checkSameClasses(detector, dataset);
    const test = detectionFrames(dataset, 'test');
    const params = { modelId: options.modelId, datasetId, epsilons, steps };
    return await runJob(workspace, 'detect-pgd', params, context, async (jobId, job) => {
      const backend = engineInfo().backend;
      const images = test.map((f) => frameImage(dataset, f));
      const truths = test.map((f) => frameTruths(dataset, f));
      const rows: DetectorPgdResult['rows'] = [];
      for (const [e, epsilon] of epsilons.entries()) {
        const frames: EvaluatedFrame[] = [];
        for (let start = 0; start < images.length; start += 8) {
          throwIfCancelled(job.signal);
          job.progress((e + start / images.length) / epsilons.length, `eps ${epsilon.toFixed(4)}`);
          const part = images.slice(start, start + 8);
          const found = attackBatch(
            detector.model,
            part,
            truths.slice(start, start + 8),
            dataset.classes.length,
            epsilon,
            steps,
          );
          found.forEach((detections, k) => frames.push({ truths: truths[start + k] ?? [], detections }));
          await new Promise((resolve) => setImmediate(resolve));
        }
        const evaluation = evaluateDetections(frames, dataset.classes);
        rows.push({
          epsilon,
          map50: evaluation.map50,
          mapCoco: evaluation.mapCoco,
          ap50: Object.fromEntries(evaluation.classes.map((c) => [c.name, c.ap50])),
        });
      }
      const suite = DETECTION_PGD_SUITE;
      const metricRows: MetricRowInput[] = rows.map((r) => ({
        suite,
        name: 'mAP@0.5',
        value: r.map50,
        params: { epsilon: r.epsilon, steps },
      }));
      const result = { frames: test.length, steps, rows };
      const validationId = storeDetectionValidation(workspace, {
        detector,
        dataset,
        split: 'test',
        suite: suite,
        backend,
        jobId,
        params,
        result,
        metricRows: metricRows,
      });
      return { validationId, modelId: detector.row.id, datasetId: dataset.id, backend, ...result };
    });
  } finally {
    detector.model.dispose();
  }
}

/**
 * The PGD-moved inputs (model units): `steps` signed-gradient ascent steps of 2.5 * eps / steps on the CenterNet
 * loss, where `movable` is 1, projected on the eps ball around `clean` and on [low, high]. Call inside tf.tidy.
 */
export function pgdInputs(
  model: tfl.LayersModel,
  clean: tf.Tensor,
  movable: tf.Tensor,
  targets: TargetTensors,
  classes: number,
  o: { eps: number; steps: number; low: number; high: number },
): tf.Tensor {
  const gradient = tf.grad((input: tf.Tensor) =>
    centernetLoss(model.apply(input) as tf.Tensor, targets, classes),
  );
  let adversarial: tf.Tensor = clean;
  for (let s = 0; s < o.steps; s++) {
    const current = adversarial;
    const next = tf.tidy(() => {
      const step = tf.mul(tf.mul(tf.sign(gradient(current)), movable), 2.5 * (o.eps / o.steps));
      const moved = tf.clipByValue(tf.add(current, step), o.low, o.high);
      return tf.minimum(tf.maximum(moved, tf.sub(clean, o.eps)), tf.add(clean, o.eps));
    });
    if (current !== clean) current.dispose();
    adversarial = next;
  }
  return adversarial;
}

/** Detections on PGD-moved versions of a few frames. */
function attackBatch(
  model: tfl.LayersModel,
  images: DecodedImage[],
  truths: GroundTruthBox[][],
  classes: number,
  epsilon: number,
  steps: number,
) {
  const { height, width } = detectorInputSize(model);
  const size = height * width * 3;
  const placements = images.map((image) => letterbox(image.width, image.height, width, height));
  const x = new Float32Array(images.length * size);
  const mask = new Float32Array(images.length * size);
  images.forEach((image, k) => {
    x.set(placeFrame(image, placements[k]!, height, width), k * size);
    const p = placements[k]!;
    const rw = Math.round(image.width * p.scale);
    const rh = Math.round(image.height * p.scale);
    for (let y = p.offsetY; y < p.offsetY + rh; y++)
      for (let c = p.offsetX * 3; c < (p.offsetX + rw) * 3; c++) mask[k * size + y * width * 3 + c] = 1;
  });
  const t = encodeTargets(
    images.map((image, k) =>
      visibleTargets(truths[k] ?? [], image.width, image.height, placements[k]!, height, width),
    ),
    height,
    width,
    classes,
  );
  // Budgets in model-input units: intensities are normalized as (v - mean) / std.
  const eps = epsilon / INPUT_NORMALIZATION.std;
  const low = (0 - INPUT_NORMALIZATION.mean) / INPUT_NORMALIZATION.std;
  const high = (1 - INPUT_NORMALIZATION.mean) / INPUT_NORMALIZATION.std;
  const grid = tf.tidy(() => {
    const shape = [images.length, t.gridHeight, t.gridWidth] as const;
    const targets = {
      heatmap: tf.tensor4d(t.heatmap, [...shape, classes]),
      negativeWeight: tf.tensor4d(t.negativeWeight, [...shape, classes]),
      box: tf.tensor4d(t.box, [...shape, 4]),
      boxMask: tf.tensor4d(t.boxMask, [...shape, 1]),
      objects: t.objects,
    };
    const clean = tf.tensor4d(x, [images.length, height, width, 3]);
    const movable = tf.tensor4d(mask, [images.length, height, width, 3]);
    const adversarial = pgdInputs(model, clean, movable, targets, classes, { eps, steps, low, high });
    return (model.predict(adversarial) as tf.Tensor).dataSync() as Float32Array;
  });
  const cells = (height / OUTPUT_STRIDE) * (width / OUTPUT_STRIDE) * (classes + 4);
  return images.map((image, k) =>
    viewDetections(grid.subarray(k * cells, (k + 1) * cells), image, placements[k]!, height, width, classes),
  );
}
