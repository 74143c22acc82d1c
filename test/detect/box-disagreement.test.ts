import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxDisagreement } from '../../src-main/core/detect/box-disagreement.js';
import { frameOutcomes } from '../../src-main/core/detect/frame-outcomes.js';
import type { EvaluatedFrame } from '../../src-main/core/detect/average-precision.js';

const truths = [
  { x0: 0, y0: 0, x1: 10, y1: 10, classIndex: 0, difficult: false },
  { x0: 20, y0: 0, x1: 30, y1: 10, classIndex: 0, difficult: false },
  { x0: 40, y0: 0, x1: 50, y1: 10, classIndex: 1, difficult: true },
];
const hit = (t: (typeof truths)[number], score: number) => ({ ...t, score });

test('frame outcomes: hits, misses and false alarms at an operating score; difficult boxes neither', () => {
  const frames: EvaluatedFrame[] = [
    {
      truths,
      detections: [
        hit(truths[0]!, 0.9),
        hit(truths[0]!, 0.8), // duplicate: a false alarm
        hit(truths[1]!, 0.2), // below the operating score: not kept, so the box is missed
        hit(truths[2]!, 0.9), // on a difficult box: ignored
        { x0: 60, y0: 60, x1: 70, y1: 70, classIndex: 0, score: 0.5 },
      ],
    },
  ];
  const [o] = frameOutcomes(frames, ['a.png'], 0.3);
  assert.equal(o?.truths, 2);
  assert.equal(o?.hits, 1);
  assert.deepEqual(o?.missedIndex, [1]);
  assert.equal(o?.falseAlarms.length, 2);
});

test('box disagreement: boxes the parent found and the child lost, and the reverse', () => {
  const parent: EvaluatedFrame[] = [
    { truths, detections: [hit(truths[0]!, 0.9), hit(truths[1]!, 0.9)] },
    { truths: truths.slice(0, 1), detections: [] },
  ];
  const child: EvaluatedFrame[] = [
    {
      truths,
      detections: [hit(truths[0]!, 0.9), { x0: 80, y0: 0, x1: 90, y1: 9, classIndex: 0, score: 0.7 }],
    },
    { truths: truths.slice(0, 1), detections: [hit(truths[0]!, 0.6)] },
  ];
  const d = boxDisagreement(parent, child, ['a.png', 'b.png'], 0.3);
  assert.equal(d.lost, 1);
  assert.equal(d.gained, 1);
  assert.equal(d.parentFalseAlarms, 0);
  assert.equal(d.childFalseAlarms, 1);
  assert.deepEqual(
    d.frames.map((f) => [f.name, f.lost, f.gained]),
    [
      ['a.png', [1], []],
      ['b.png', [], [0]],
    ],
  );
  assert.equal(boxDisagreement(parent, parent, ['a.png', 'b.png'], 0.3).frames.length, 0);
});
