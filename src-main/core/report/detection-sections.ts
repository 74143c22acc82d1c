import type { ValidationRow } from '../store/validations.js';
import type { DetectionEvaluation } from '../detect/average-precision.js';
import type { FrameOutcome } from '../detect/frame-outcomes.js';
import { escapeHtml, formatNumber, lineChart, table } from './html.js';
import {
  DETECTION_CORRUPTIONS_SUITE,
  DETECTION_PGD_SUITE,
  OBJECT_DETECTION_SUITE,
} from '../detect/detection-suite-names.js';

/** How many frames with errors the report lists (the frames page of `attest detect frames` draws them). */
const LISTED_FRAMES = 25;

interface EvaluationResult {
  evaluation: DetectionEvaluation;
  operatingScore: number;
  frames?: FrameOutcome[];
}
interface MapRow {
  map50: number | null;
  mapCoco: number | null;
}
interface CorruptionsResult {
  clean: MapRow;
  rows: (MapRow & { corruption: string; severity: number })[];
  meanCorruptedMap50: number | null;
  meanDrop: number | null;
}
interface PgdResult {
  steps: number;
  rows: (MapRow & { epsilon: number })[];
}

/** Whether a validation holds detector scores (AP in place of accuracy). */
export function isDetectionValidation(v: ValidationRow): boolean {
  return v.suites.some((s) => s.startsWith(OBJECT_DETECTION_SUITE));
}

function evaluationSection(r: EvaluationResult, parent: EvaluationResult | undefined): string {
  const parentAp = new Map(parent?.evaluation.classes.map((c) => [c.name, c.ap50]) ?? []);
  const rows = r.evaluation.classes.map((c) => [
    c.name,
    c.truths,
    c.detections,
    formatNumber(c.ap50),
    formatNumber(c.coco),
    ...(parent !== undefined ? [formatNumber(parentAp.get(c.name) ?? null)] : []),
  ]);
  rows.push([
    'mean (mAP)',
    '',
    '',
    formatNumber(r.evaluation.map50),
    formatNumber(r.evaluation.mapCoco),
    ...(parent !== undefined ? [formatNumber(parent.evaluation.map50)] : []),
  ]);
  const parts = [
    `<p>AP: the area under the precision-recall curve of a class, 1 when every object is found before any false alarm; a detection counts when its box overlaps the true box by IoU &ge; 0.5 (AP@0.5, Pascal VOC) or, averaged, by 0.5 to 0.95 (AP@[.5:.95], COCO).</p>`,
    table(
      [
        'Class',
        'Objects',
        'Detections',
        'AP@0.5',
        'AP@[.5:.95]',
        ...(parent !== undefined ? ['Parent AP@0.5'] : []),
      ],
      rows,
    ),
  ];
  const frames = r.frames ?? [];
  const errors = (f: FrameOutcome): number => f.misses.length + f.falseAlarms.length;
  const withErrors = frames.filter((f) => errors(f) > 0).sort((a, b) => errors(b) - errors(a));
  const misses = frames.reduce((n, f) => n + f.misses.length, 0);
  const alarms = frames.reduce((n, f) => n + f.falseAlarms.length, 0);
  const names = r.evaluation.classes.map((c) => c.name);
  const className = (k: number): string => names[k] ?? String(k);
  parts.push(
    `<p>At the operating score ${escapeHtml(r.operatingScore)}: ${misses} objects missed and ${alarms} false alarms over ${frames.length} frames; ${withErrors.length} frames have at least one.${withErrors.length > LISTED_FRAMES ? ` The ${LISTED_FRAMES} with the most errors:` : ''}</p>`,
  );
  if (withErrors.length > 0)
    parts.push(
      table(
        ['Frame', 'Objects', 'Found', 'Missed', 'False alarms (score)'],
        withErrors
          .slice(0, LISTED_FRAMES)
          .map((f) => [
            f.name,
            f.truths,
            f.hits,
            f.misses.map((m) => className(m.classIndex)).join(', ') || '—',
            f.falseAlarms.map((d) => `${className(d.classIndex)} ${d.score.toFixed(2)}`).join(', ') || '—',
          ]),
      ),
    );
  return parts.join('\n');
}

function corruptionsSection(r: CorruptionsResult): string {
  const byCorruption = new Map<string, { severity: number; map50: number | null }[]>();
  for (const row of r.rows)
    byCorruption.set(row.corruption, [...(byCorruption.get(row.corruption) ?? []), row]);
  const severities = [...new Set(r.rows.map((row) => row.severity))].sort((a, b) => a - b);
  return [
    `<p>mAP@0.5 on corrupted copies of the test frames; clean ${formatNumber(r.clean.map50)}, mean over the corruptions ${formatNumber(r.meanCorruptedMap50)} (drop ${formatNumber(r.meanDrop)}).</p>`,
    table(
      ['Corruption', ...severities.map((s) => `severity ${s}`)],
      [...byCorruption.entries()].map(([name, rows]) => [
        name,
        ...severities.map((s) => formatNumber(rows.find((row) => row.severity === s)?.map50 ?? null)),
      ]),
    ),
  ].join('\n');
}

function pgdSection(r: PgdResult): string {
  const points = r.rows
    .filter((row) => row.map50 !== null)
    .map((row) => ({ x: row.epsilon, y: row.map50 as number }));
  return [
    `<p>PGD on the detection loss (${r.steps} steps, L-infinity budget in pixel intensity units of 0 to 1).</p>`,
    table(
      ['Budget (epsilon)', 'mAP@0.5', 'AP@[.5:.95]'],
      r.rows.map((row) => [formatNumber(row.epsilon), formatNumber(row.map50), formatNumber(row.mapCoco)]),
    ),
    lineChart({
      title: 'mAP@0.5 under attack',
      xLabel: 'epsilon',
      yLabel: 'mAP@0.5',
      yMin: 0,
      yMax: 1,
      series: [{ name: 'model', points }],
    }),
  ].join('\n');
}

/** The report's part for a detector's validation: AP per class, frames with misses and false alarms, stress. */
export function detectionValidationSection(model: ValidationRow, parent: ValidationRow | undefined): string {
  const r = model.result;
  if (model.suites.includes(OBJECT_DETECTION_SUITE))
    return `<h3>Object detection: average precision</h3>${evaluationSection(
      r as unknown as EvaluationResult,
      parent?.suites.includes(OBJECT_DETECTION_SUITE) === true
        ? (parent.result as unknown as EvaluationResult)
        : undefined,
    )}`;
  if (model.suites.includes(DETECTION_CORRUPTIONS_SUITE))
    return `<h3>Object detection under corruptions</h3>${corruptionsSection(r as unknown as CorruptionsResult)}`;
  if (model.suites.includes(DETECTION_PGD_SUITE))
    return `<h3>Object detection under attack (PGD)</h3>${pgdSection(r as unknown as PgdResult)}`;
  return '';
}

/** The same figures as plain rows, for the PDF report: one table per detector validation and a sentence. */
export function detectionValidationTable(v: ValidationRow): {
  note: string;
  headers: string[];
  rows: string[][];
} {
  const r = v.result;
  if (v.suites.includes(OBJECT_DETECTION_SUITE)) {
    const e = (r as unknown as EvaluationResult).evaluation;
    return {
      note: `Object detection: mAP@0.5 ${formatNumber(e.map50)}, COCO mAP@[.5:.95] ${formatNumber(e.mapCoco)} over ${e.frames} frames (frames with misses and false alarms in the HTML report).`,
      headers: ['Class', 'Objects', 'AP@0.5', 'AP@[.5:.95]'],
      rows: e.classes.map((c) => [c.name, String(c.truths), formatNumber(c.ap50), formatNumber(c.coco)]),
    };
  }
  if (v.suites.includes(DETECTION_CORRUPTIONS_SUITE)) {
    const c = r as unknown as CorruptionsResult;
    return {
      note: `Object detection under corruptions: clean mAP@0.5 ${formatNumber(c.clean.map50)}, mean corrupted ${formatNumber(c.meanCorruptedMap50)}.`,
      headers: ['Corruption', 'Severity', 'mAP@0.5'],
      rows: c.rows.map((row) => [row.corruption, String(row.severity), formatNumber(row.map50)]),
    };
  }
  const p = r as unknown as PgdResult;
  return {
    note: `Object detection under PGD (${p.steps} steps).`,
    headers: ['Epsilon', 'mAP@0.5', 'AP@[.5:.95]'],
    rows: p.rows.map((row) => [
      formatNumber(row.epsilon),
      formatNumber(row.map50),
      formatNumber(row.mapCoco),
    ]),
  };
}
