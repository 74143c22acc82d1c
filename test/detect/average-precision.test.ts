import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { evaluateDetections, type EvaluatedFrame } from '../../src-main/core/detect/average-precision.js';
import type { DetectedBox, GroundTruthBox } from '../../src-main/core/detect/boxes.js';
import { createRng } from '../../src-main/core/engine/seed.js';
import { missingReference, PYTHON, pythonMissing } from '../helpers/reference.js';

const PEER = fileURLToPath(new URL('../../../test/peer/voc_ap.py', import.meta.url));

const truth = (
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  classIndex = 0,
  difficult = false,
): GroundTruthBox => ({
  x0,
  y0,
  x1,
  y1,
  classIndex,
  difficult,
});
const det = (x0: number, y0: number, x1: number, y1: number, score: number, classIndex = 0): DetectedBox => ({
  x0,
  y0,
  x1,
  y1,
  score,
  classIndex,
});

test('VOC AP by hand: a hit, a duplicate, a hit in another frame, a false alarm', () => {
  const frames: EvaluatedFrame[] = [
    {
      truths: [truth(0, 0, 10, 10), truth(20, 20, 30, 30)],
      detections: [det(0, 0, 10, 10, 0.9), det(1, 0, 10, 10, 0.8), det(50, 50, 60, 60, 0.6)],
    },
    { truths: [truth(0, 0, 10, 10)], detections: [det(0, 1, 10, 11, 0.7)] },
  ];
  const e = evaluateDetections(frames, ['insulator']);
  const c = e.classes[0]!;
  // Ranked hit, duplicate, hit, false: recall 1/3 1/3 2/3 2/3, precision 1 1/2 2/3 1/2.
  // Envelope area: 1/3 * 1 + 1/3 * 2/3 = 5/9.
  assert.ok(Math.abs((c.ap50 as number) - 5 / 9) < 1e-12, String(c.ap50));
  // 101 points: recall 0..0.33 at precision 1 (34 points), 0.34..0.66 at 2/3 (33 points), none beyond.
  assert.ok(Math.abs((c.coco50 as number) - (34 + 22) / 101) < 1e-12, String(c.coco50));
  assert.equal(c.truePositives, 2);
  assert.equal(c.falsePositives, 2);
  assert.deepEqual(
    c.curve.recall.map((r) => r * 3),
    [1, 1, 2, 2],
  );
  assert.equal(e.map50, c.ap50);
});

test('edge cases: no detections, a class without ground truth, difficult boxes, duplicates, perfect boxes', () => {
  const frames: EvaluatedFrame[] = [
    {
      truths: [truth(0, 0, 10, 10, 0), truth(20, 0, 30, 10, 0, true), truth(0, 20, 10, 30, 1)],
      detections: [
        det(0, 0, 10, 10, 0.9, 0),
        det(0, 0, 10, 10, 0.85, 0), // duplicate of a found box: a false alarm
        det(20, 0, 30, 10, 0.95, 0), // on a difficult box: ignored, neither hit nor false
        det(0, 0, 5, 5, 0.5, 2), // class 2 has no ground truth anywhere
      ],
    },
    { truths: [], detections: [] },
  ];
  const e = evaluateDetections(frames, ['insulator', 'defect', 'bird']);
  const [insulator, defect, bird] = e.classes as [
    (typeof e.classes)[0],
    (typeof e.classes)[0],
    (typeof e.classes)[0],
  ];
  assert.equal(insulator.truths, 1);
  assert.equal(insulator.difficult, 1);
  assert.equal(insulator.truePositives, 1);
  assert.equal(insulator.falsePositives, 1);
  // The ignored detection leaves the ranking: hit first, so AP is 1 despite the duplicate below it.
  assert.equal(insulator.ap50, 1);
  assert.equal(insulator.coco, 1);
  assert.equal(defect.detections, 0);
  assert.equal(defect.ap50, 0, 'ground truth and no detection: AP 0');
  assert.equal(defect.coco, 0);
  assert.equal(bird.ap50, null, 'no ground truth: AP undefined');
  assert.equal(bird.falsePositives, 1);
  assert.equal(e.map50, 0.5, 'mean over the two classes with ground truth');
  const empty = evaluateDetections([{ truths: [], detections: [] }], ['insulator']);
  assert.equal(empty.map50, null);
  assert.equal(empty.mapCoco, null);
});

test('COCO AP@[.5:.95] falls as boxes get looser, AP@0.5 does not', () => {
  const frames = (shift: number): EvaluatedFrame[] => [
    { truths: [truth(0, 0, 100, 100)], detections: [det(shift, 0, 100 + shift, 100, 0.9)] },
  ];
  const exact = evaluateDetections(frames(0), ['a']).classes[0]!;
  const loose = evaluateDetections(frames(20), ['a']).classes[0]!; // IoU 80/120 = 0.667
  assert.equal(exact.coco, 1);
  assert.equal(loose.ap50, 1);
  assert.equal(loose.coco75, 0);
  // Matched at 0.50, 0.55, 0.60, 0.65: four of ten thresholds.
  assert.ok(Math.abs((loose.coco as number) - 0.4) < 1e-12, String(loose.coco));
});

/** Random scenes with near, loose, duplicate and false detections, difficult boxes and empty frames. */
function randomFrames(seed: number): EvaluatedFrame[] {
  const random = createRng(seed);
  const frames: EvaluatedFrame[] = [];
  for (let f = 0; f < 40; f++) {
    const truths: GroundTruthBox[] = [];
    const detections: DetectedBox[] = [];
    const objects = Math.floor(random() * 4);
    for (let k = 0; k < objects; k++) {
      const x = random() * 200;
      const y = random() * 200;
      const w = 10 + random() * 60;
      const h = 10 + random() * 60;
      const classIndex = Math.floor(random() * 2);
      truths.push(truth(x, y, x + w, y + h, classIndex, random() < 0.1));
      const found = Math.floor(random() * 3); // 0, 1 or 2 (a duplicate) detections
      for (let d = 0; d < found; d++) {
        const jitter = () => (random() - 0.5) * 0.5 * Math.min(w, h);
        detections.push(
          det(
            x + jitter(),
            y + jitter(),
            x + w + jitter(),
            y + h + jitter(),
            Math.round(random() * 20) / 20,
            classIndex,
          ),
        );
      }
    }
    for (let k = Math.floor(random() * 3); k > 0; k--) {
      const x = random() * 200;
      const y = random() * 200;
      // Classes 0-2: class 2 never has ground truth. Scores on a 0.05 grid so that ties happen.
      detections.push(det(x, y, x + 30, y + 30, Math.round(random() * 20) / 20, Math.floor(random() * 3)));
    }
    frames.push({ truths, detections });
  }
  return frames;
}

test('AP figures match the independent numpy implementation (test/peer/voc_ap.py) on the same predictions', (t) => {
  const missing = pythonMissing('numpy');
  if (missing !== undefined) return missingReference(t, `${missing}: the peer check of AP did not run`);
  const classes = ['insulator', 'defect', 'bird'];
  for (const seed of [1, 2, 3]) {
    const frames = randomFrames(seed);
    const ours = evaluateDetections(frames, classes);
    const run = spawnSync(PYTHON, [PEER], {
      input: JSON.stringify({ classes, frames }),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const peer = JSON.parse(run.stdout) as {
      classes: {
        ap50: number | null;
        coco50: number | null;
        coco75: number | null;
        coco: number | null;
        tp: number;
        fp: number;
      }[];
      map50: number | null;
      mapCoco: number | null;
    };
    const close = (a: number | null, b: number | null, what: string) => {
      if (a === null || b === null) assert.equal(a, b, what);
      else assert.ok(Math.abs(a - b) < 1e-9, `${what}: ours ${a}, peer ${b}`);
    };
    ours.classes.forEach((c, k) => {
      const p = peer.classes[k]!;
      close(c.ap50, p.ap50, `seed ${seed} ${c.name} AP@0.5`);
      close(c.coco50, p.coco50, `seed ${seed} ${c.name} COCO AP@0.5`);
      close(c.coco75, p.coco75, `seed ${seed} ${c.name} COCO AP@0.75`);
      close(c.coco, p.coco, `seed ${seed} ${c.name} AP@[.5:.95]`);
      assert.equal(c.truePositives, p.tp, `seed ${seed} ${c.name} hits`);
      assert.equal(c.falsePositives, p.fp, `seed ${seed} ${c.name} false alarms`);
    });
    close(ours.map50, peer.map50, `seed ${seed} mAP@0.5`);
    close(ours.mapCoco, peer.mapCoco, `seed ${seed} mAP@[.5:.95]`);
    // Not a degenerate comparison: some AP strictly between 0 and 1.
    assert.ok(ours.classes.some((c) => c.ap50 !== null && c.ap50 > 0.05 && c.ap50 < 0.95));
  }
});
