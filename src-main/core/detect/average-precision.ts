import { boxIou, type DetectedBox, type GroundTruthBox } from './boxes.js';

/**
 * Detection scores as the two reference benchmarks define them, on the same matched detections:
 * - Pascal VOC (Everingham et al. 2010, devkit 2010+): at IoU >= 0.5 each detection, in descending score order,
 *   takes the ground truth of its class and frame that it overlaps most; a hit if that one is not yet taken, a
 *   duplicate (false positive) if it is, ignored if it is "difficult"; AP is the area under the precision
 *   envelope at every recall step ("all-point interpolation").
 * - COCO (Lin et al. 2014, cocoapi): at each IoU of 0.50, 0.55, ..., 0.95 a detection takes the best-overlapping
 *   ground truth not yet taken, preferring non-difficult ones (difficult plays COCO's "ignore" role); AP is the
 *   mean of the precision envelope sampled at 101 recall points; AP@[.5:.95] averages the ten.
 * IoU is continuous (no VOC "+1 pixel"). Ties in score keep frame order, then the order within a frame, so that
 * an independent implementation (test/peer/voc_ap.py) reproduces every figure exactly.
 */

export interface EvaluatedFrame {
  truths: GroundTruthBox[];
  detections: DetectedBox[];
}

export interface PrecisionRecallCurve {
  recall: number[];
  precision: number[];
  /** Detection score at each point: the operating threshold that gives it. */
  score: number[];
}

export interface ClassAveragePrecision {
  name: string;
  /** Ground-truth objects that count (not difficult). */
  truths: number;
  difficult: number;
  detections: number;
  /** VOC AP at IoU 0.5, all-point interpolation; null when the class has no countable ground truth. */
  ap50: number | null;
  /** COCO-style AP at IoU 0.5 and 0.75 (101-point), and their mean over 0.50:0.05:0.95. */
  coco50: number | null;
  coco75: number | null;
  coco: number | null;
  /** Hits, false alarms and misses at IoU 0.5 when every detection is kept. */
  truePositives: number;
  falsePositives: number;
  /** Precision and recall at IoU 0.5 down the ranked detections (at most 200 points, the last always kept). */
  curve: PrecisionRecallCurve;
}

export interface DetectionEvaluation {
  classes: ClassAveragePrecision[];
  /** Mean of ap50 over the classes that have ground truth (VOC mAP); null if none has. */
  map50: number | null;
  /** Mean of the COCO AP@[.5:.95] over the same classes. */
  mapCoco: number | null;
  coco50: number | null;
  frames: number;
}

/** numpy's linspace arithmetic (start + k * step, the last point set to stop), as cocoapi builds its thresholds:
 * k / 100 would differ in the last bit (35 * 0.01 > 0.35) and move a recall point that falls exactly on one. */
function linspace(start: number, stop: number, count: number): number[] {
  const step = (stop - start) / (count - 1);
  return Array.from({ length: count }, (_, k) => (k === count - 1 ? stop : k * step + start));
}

export const COCO_IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, 10);
const RECALL_POINTS = linspace(0, 1, 101);

interface Ranked {
  frame: number;
  box: DetectedBox;
}

/** Detections of one class over all frames, by descending score, ties in frame then in-frame order. */
function rankedDetections(frames: EvaluatedFrame[], classIndex: number): Ranked[] {
  const all: (Ranked & { order: number })[] = [];
  frames.forEach((f, frame) =>
    f.detections.forEach((box) => {
      if (box.classIndex === classIndex) all.push({ frame, box, order: all.length });
    }),
  );
  return all.sort((a, b) => b.box.score - a.box.score || a.order - b.order);
}

type Outcome = 'hit' | 'false' | 'ignored';

/** VOC matching: the most-overlapping ground truth of the frame decides. */
function vocOutcomes(frames: EvaluatedFrame[], classIndex: number, ranked: Ranked[], iou: number): Outcome[] {
  const taken = frames.map((f) => new Uint8Array(f.truths.length));
  return ranked.map(({ frame, box }) => {
    const truths = (frames[frame] as EvaluatedFrame).truths;
    let best = -1;
    let bestIou = -Infinity;
    truths.forEach((t, j) => {
      if (t.classIndex !== classIndex) return;
      const o = boxIou(box, t);
      if (o > bestIou) {
        bestIou = o;
        best = j;
      }
    });
    if (best < 0 || bestIou < iou) return 'false';
    if ((truths[best] as GroundTruthBox).difficult) return 'ignored';
    const used = taken[frame] as Uint8Array;
    if (used[best] === 1) return 'false';
    used[best] = 1;
    return 'hit';
  });
}

/** COCO matching: the best-overlapping ground truth not yet taken, non-difficult ones first. */
function cocoOutcomes(
  frames: EvaluatedFrame[],
  classIndex: number,
  ranked: Ranked[],
  iou: number,
): Outcome[] {
  const taken = frames.map((f) => new Uint8Array(f.truths.length));
  // Per frame, the class's truths with the countable ones first (cocoapi sorts ignored ground truth last).
  const order = frames.map((f) => {
    const mine = f.truths
      .map((_, j) => j)
      .filter((j) => (f.truths[j] as GroundTruthBox).classIndex === classIndex);
    return [
      ...mine.filter((j) => !(f.truths[j] as GroundTruthBox).difficult),
      ...mine.filter((j) => (f.truths[j] as GroundTruthBox).difficult),
    ];
  });
  return ranked.map(({ frame, box }) => {
    const truths = (frames[frame] as EvaluatedFrame).truths;
    const used = taken[frame] as Uint8Array;
    let best = -1;
    let bestIou = Math.min(iou, 1 - 1e-10);
    for (const j of order[frame] as number[]) {
      if (used[j] === 1) continue;
      const t = truths[j] as GroundTruthBox;
      if (best >= 0 && !(truths[best] as GroundTruthBox).difficult && t.difficult) break;
      const o = boxIou(box, t);
      if (o < bestIou) continue;
      bestIou = o;
      best = j;
    }
    if (best < 0) return 'false';
    used[best] = 1;
    return (truths[best] as GroundTruthBox).difficult ? 'ignored' : 'hit';
  });
}

function precisionRecall(
  outcomes: Outcome[],
  ranked: Ranked[],
  positives: number,
): { recall: number[]; precision: number[]; score: number[] } {
  const recall: number[] = [];
  const precision: number[] = [];
  const score: number[] = [];
  let hits = 0;
  let falses = 0;
  outcomes.forEach((o, k) => {
    if (o === 'ignored') return;
    if (o === 'hit') hits++;
    else falses++;
    recall.push(hits / positives);
    precision.push(hits / (hits + falses));
    score.push((ranked[k] as Ranked).box.score);
  });
  return { recall, precision, score };
}

/** The precision envelope: at each point, the best precision at that recall or beyond. */
function envelope(precision: number[]): number[] {
  const out = [...precision];
  for (let i = out.length - 2; i >= 0; i--) out[i] = Math.max(out[i] as number, out[i + 1] as number);
  return out;
}

/** VOC 2010+ AP: area under the envelope, summed where recall changes. */
export function allPointAveragePrecision(recall: number[], precision: number[]): number {
  const r = [0, ...recall, 1];
  const p = envelope([0, ...precision, 0]);
  let ap = 0;
  for (let i = 0; i + 1 < r.length; i++)
    ap += ((r[i + 1] as number) - (r[i] as number)) * (p[i + 1] as number);
  return ap;
}

/** COCO AP: the envelope at 101 recall points (the first point reaching each), 0 beyond the last recall. */
export function interpolated101AveragePrecision(recall: number[], precision: number[]): number {
  const p = envelope(precision);
  let sum = 0;
  let i = 0;
  for (const target of RECALL_POINTS) {
    while (i < recall.length && (recall[i] as number) < target) i++;
    if (i < recall.length) sum += p[i] as number;
  }
  return sum / RECALL_POINTS.length;
}

function thinCurve(curve: PrecisionRecallCurve, points = 200): PrecisionRecallCurve {
  const n = curve.recall.length;
  if (n <= points) return curve;
  const keep = Array.from({ length: points }, (_, k) => Math.round((k * (n - 1)) / (points - 1)));
  return {
    recall: keep.map((i) => curve.recall[i] as number),
    precision: keep.map((i) => curve.precision[i] as number),
    score: keep.map((i) => curve.score[i] as number),
  };
}

const mean = (values: (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
};

export function evaluateDetections(frames: EvaluatedFrame[], classNames: string[]): DetectionEvaluation {
  const classes = classNames.map((name, c): ClassAveragePrecision => {
    const truths = frames.reduce(
      (n, f) => n + f.truths.filter((t) => t.classIndex === c && !t.difficult).length,
      0,
    );
    const difficult = frames.reduce(
      (n, f) => n + f.truths.filter((t) => t.classIndex === c && t.difficult).length,
      0,
    );
    const ranked = rankedDetections(frames, c);
    const voc = vocOutcomes(frames, c, ranked, 0.5);
    const pr = precisionRecall(voc, ranked, Math.max(1, truths));
    const cocoAt = COCO_IOU_THRESHOLDS.map((t) => {
      const curve = precisionRecall(cocoOutcomes(frames, c, ranked, t), ranked, Math.max(1, truths));
      return interpolated101AveragePrecision(curve.recall, curve.precision);
    });
    const has = truths > 0;
    return {
      name,
      truths,
      difficult,
      detections: ranked.length,
      ap50: has ? allPointAveragePrecision(pr.recall, pr.precision) : null,
      coco50: has ? (cocoAt[0] as number) : null,
      coco75: has ? (cocoAt[5] as number) : null,
      coco: has ? cocoAt.reduce((a, b) => a + b, 0) / cocoAt.length : null,
      truePositives: voc.filter((o) => o === 'hit').length,
      falsePositives: voc.filter((o) => o === 'false').length,
      curve: thinCurve(pr),
    };
  });
  return {
    classes,
    map50: mean(classes.map((c) => c.ap50)),
    mapCoco: mean(classes.map((c) => c.coco)),
    coco50: mean(classes.map((c) => c.coco50)),
    frames: frames.length,
  };
}
