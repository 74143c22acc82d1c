import { writeFileSync } from 'node:fs';
import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import { sha256Hex } from '../../util/hash.js';
import { validationsOfModel } from '../../store/validations.js';
import { getModel } from '../../store/models.js';
import { badInput } from '../../errors.js';
import { encodePng } from '../../data/images/write-synthetic.js';
import { frameImage, frameTruths, loadDetectionDataset } from '../../detect/detection-dataset.js';
import type { FrameOutcome } from '../../detect/frame-outcomes.js';
import { OBJECT_DETECTION_SUITE } from './evaluate-detector.js';
import type { DetectionEvaluation } from '../../detect/average-precision.js';

export interface FramesPageOptions {
  modelId: string;
  /** A validation of the model (default: its latest object-detection validation). */
  validationId?: string;
  show?: 'errors' | 'all';
  limit?: number;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const rect = (b: { x0: number; y0: number; x1: number; y1: number }, cls: string, label: string) =>
  `<rect class="${cls}" x="${b.x0.toFixed(1)}" y="${b.y0.toFixed(1)}" width="${(b.x1 - b.x0).toFixed(1)}" height="${(b.y1 - b.y0).toFixed(1)}"><title>${escape(label)}</title></rect>`;

/**
 * A self-contained HTML page of a detector's test frames with their boxes, for the reviewer: ground truth
 * (green), objects the detector missed (red) and its false alarms (orange, with their scores), at the
 * validation's operating score; frames with the most errors first. Frames are embedded as PNG data.
 */
export async function detectionFramesPage(
  workspace: Workspace,
  options: FramesPageOptions,
): Promise<{ html: string; validationId: string; frames: number }> {
  const model = getModel(workspace.db, options.modelId);
  const validations = validationsOfModel(workspace.db, model.id).filter((v) =>
    v.suites.includes(OBJECT_DETECTION_SUITE),
  );
  const validation =
    options.validationId !== undefined
      ? validations.find((v) => v.id === options.validationId)
      : validations[validations.length - 1];
  if (validation === undefined)
    throw badInput(
      options.validationId !== undefined
        ? `model ${model.id} has no object-detection validation ${options.validationId}`
        : `model ${model.id} has no object-detection validation yet: run \`attest detect evaluate\``,
    );
  const result = validation.result as {
    evaluation: DetectionEvaluation;
    operatingScore: number;
    frames?: FrameOutcome[];
  };
  if (result.frames === undefined)
    throw badInput(
      `validation ${validation.id} keeps no per-frame outcomes (run \`attest detect evaluate\`)`,
    );
  const dataset = loadDetectionDataset(workspace, validation.datasetId);
  const errors = (f: FrameOutcome) => f.misses.length + f.falseAlarms.length;
  const chosen = [...result.frames]
    .filter((f) => options.show === 'all' || errors(f) > 0)
    .sort((a, b) => errors(b) - errors(a) || a.frame - b.frame)
    .slice(0, options.limit ?? 60);
  const className = (k: number) => dataset.classes[k] ?? String(k);
  const figures: string[] = [];
  for (const f of chosen) {
    const image = frameImage(dataset, f.frame);
    const png = Buffer.from(await encodePng(image)).toString('base64');
    const shapes = [
      ...frameTruths(dataset, f.frame).map((t) =>
        rect(
          t,
          t.difficult ? 'difficult' : 'truth',
          `${className(t.classIndex)}${t.difficult ? ' (difficult)' : ''}`,
        ),
      ),
      ...f.misses.map((m) => rect(m, 'miss', `missed ${className(m.classIndex)}`)),
      ...f.falseAlarms.map((d) =>
        rect(d, 'alarm', `false alarm: ${className(d.classIndex)} ${d.score.toFixed(2)}`),
      ),
    ];
    figures.push(
      `<figure id="frame-${f.frame}"><svg viewBox="0 0 ${image.width} ${image.height}" width="${image.width * 3}" height="${image.height * 3}"><image href="data:image/png;base64,${png}" width="${image.width}" height="${image.height}"/>${shapes.join('')}</svg>` +
        `<figcaption>${escape(f.name)}: ${f.hits} of ${f.truths} found, ${f.misses.length} missed (${f.misses.map((m) => escape(className(m.classIndex))).join(', ') || 'none'}), ${f.falseAlarms.length} false alarms${f.falseAlarms.length > 0 ? ` (${f.falseAlarms.map((d) => `${escape(className(d.classIndex))} ${d.score.toFixed(2)}`).join(', ')})` : ''}</figcaption></figure>`,
    );
  }
  const ap = result.evaluation.classes
    .map(
      (c) =>
        `<tr><td>${escape(c.name)}</td><td>${c.truths}</td><td>${c.ap50 === null ? '-' : c.ap50.toFixed(4)}</td><td>${c.coco === null ? '-' : c.coco.toFixed(4)}</td></tr>`,
    )
    .join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Detections of ${escape(model.name)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; }
figure { display: inline-block; margin: 0 1em 1.5em 0; vertical-align: top; max-width: 420px; }
svg image { image-rendering: pixelated; }
rect { fill: none; stroke-width: 1; }
rect.truth { stroke: #1a7f37; } rect.difficult { stroke: #1a7f37; stroke-dasharray: 2 2; }
rect.miss { stroke: #cf222e; stroke-width: 2; } rect.alarm { stroke: #bc4c00; stroke-dasharray: 3 1; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
</style></head><body>
<h1>Detections of ${escape(model.name)} (${escape(model.id)})</h1>
<p>Validation ${escape(validation.id)} on the ${escape(validation.split)} frames of ${escape(dataset.name)} (${escape(dataset.id)}), backend ${escape(validation.backend)}, ${escape(validation.createdAt)}.
Boxes: <span style="color:#1a7f37">ground truth</span>, <span style="color:#cf222e">missed</span>, <span style="color:#bc4c00">false alarm</span> at score &ge; ${result.operatingScore}, IoU 0.5.</p>
<table><tr><th>class</th><th>objects</th><th>AP@0.5</th><th>AP@[.5:.95]</th></tr>${ap}
<tr><td>mean</td><td></td><td>${result.evaluation.map50?.toFixed(4) ?? '-'}</td><td>${result.evaluation.mapCoco?.toFixed(4) ?? '-'}</td></tr></table>
<p>${chosen.length} frames shown${options.show === 'all' ? '' : ' (those with a miss or a false alarm, most errors first)'}.</p>
${figures.join('\n')}
</body></html>
`;
  return { html, validationId: validation.id, frames: chosen.length };
}

/** Writes the frames page and records the export, with its SHA-256, in the audit trail (frames leave the store). */
export async function exportDetectionFramesPage(
  workspace: Workspace,
  options: FramesPageOptions & { path: string },
): Promise<{ path: string; sha256: string; bytes: number; validationId: string; frames: number }> {
  if (!options.path.toLowerCase().endsWith('.html'))
    throw badInput('the frames page must be written to an .html file', options.path);
  const page = await detectionFramesPage(workspace, options);
  const sha256 = sha256Hex(page.html);
  const bytes = Buffer.byteLength(page.html);
  try {
    writeFileSync(options.path, page.html);
  } catch (error) {
    throw badInput(`cannot write the frames page: ${(error as Error).message}`, options.path);
  }
  workspace.db.transaction(() => {
    appendAuditEvent(workspace.db, {
      action: 'report.export',
      entityType: 'validation',
      entityId: page.validationId,
      payload: {
        params: {
          modelId: options.modelId,
          format: 'detection-frames-html',
          path: options.path,
          show: options.show ?? 'errors',
        },
        result: { sha256, bytes, frames: page.frames },
      },
    });
  })();
  return { path: options.path, sha256, bytes, validationId: page.validationId, frames: page.frames };
}
