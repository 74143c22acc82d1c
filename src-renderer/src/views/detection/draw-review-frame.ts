import type { ReviewFrameView } from '../../../../src-main/contract/index.js';
import { BOX_COLOURS } from '../../lib/detection.js';

/** Widest drawing of a frame: small frames are enlarged (pixelated) so that their boxes can be read. */
const MAX_WIDTH = 640;
const MAX_ZOOM = 4;

type Box = { x0: number; y0: number; x1: number; y1: number };

function strokeBox(
  context: CanvasRenderingContext2D,
  box: Box,
  scale: number,
  colour: string,
  dashed: boolean,
  width: number,
): void {
  context.strokeStyle = colour;
  context.lineWidth = width;
  context.setLineDash(dashed ? [6, 4] : []);
  context.strokeRect(box.x0 * scale, box.y0 * scale, (box.x1 - box.x0) * scale, (box.y1 - box.y0) * scale);
}

/** A label on a filled tag above the box (inside the frame when the box touches the top edge). */
function tag(context: CanvasRenderingContext2D, box: Box, scale: number, colour: string, text: string): void {
  context.setLineDash([]);
  context.font = '12px system-ui, sans-serif';
  const width = context.measureText(text).width + 6;
  const x = Math.min(box.x0 * scale, context.canvas.width - width);
  const y = box.y0 * scale >= 16 ? box.y0 * scale - 16 : box.y1 * scale;
  context.fillStyle = colour;
  context.fillRect(x, y, width, 16);
  context.fillStyle = '#000';
  context.fillText(text, x + 3, y + 12);
}

/**
 * Draws a reviewed frame (its PNG data) with ground truth (found: solid green, missed: dashed red) and the
 * detections at the threshold (hits: blue, false alarms: dashed orange, each with its confidence).
 */
export function drawReviewFrame(canvas: HTMLCanvasElement, frame: ReviewFrameView, classes: string[]): void {
  const scale = Math.min(MAX_ZOOM, MAX_WIDTH / frame.width);
  const image = new Image();
  image.onload = () => {
    canvas.width = Math.round(frame.width * scale);
    canvas.height = Math.round(frame.height * scale);
    const context = canvas.getContext('2d');
    if (context === null) return;
    context.imageSmoothingEnabled = false;
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const name = (k: number) => classes[k] ?? String(k);
    for (const t of frame.truths)
      strokeBox(
        context,
        t,
        scale,
        t.found || t.difficult ? BOX_COLOURS.truth : BOX_COLOURS.missed,
        !t.found,
        3,
      );
    for (const d of frame.detections) {
      const colour = d.falseAlarm ? BOX_COLOURS.falseAlarm : BOX_COLOURS.detection;
      strokeBox(context, d, scale, colour, d.falseAlarm, 2);
      tag(context, d, scale, colour, `${name(d.classIndex)} ${Math.round(d.score * 100)} %`);
    }
    for (const t of frame.truths)
      if (!t.found && !t.difficult)
        tag(context, t, scale, BOX_COLOURS.missed, `missed ${name(t.classIndex)}`);
    canvas.dataset['drawn'] = String(frame.index);
  };
  image.src = frame.png;
}
