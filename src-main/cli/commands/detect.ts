import type { Command, CommandContext } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import { AttestError, badInput, exitCodeFor } from '../../core/errors.js';
import { trainDetector } from '../../core/pipelines/detect/train-detector.js';
import { evaluateDetector } from '../../core/pipelines/detect/evaluate-detector.js';
import { detectionLearningCurve, parseFrameCounts } from '../../core/pipelines/detect/learning-curve.js';
import type { DetectionEvaluation } from '../../core/detect/average-precision.js';
import { cliJobContext } from './job-context.js';
import { loadPolicy } from '../../core/validate/policy.js';
import { resolve } from 'node:path';

const figure = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(4));

/** --input 128 or HEIGHTxWIDTH, multiples of 16. */
function readInputSize(context: CommandContext): { height?: number; width?: number } {
  const text = context.options.string('input');
  if (text === undefined) return {};
  const match = /^(\d+)(?:x(\d+))?$/.exec(text);
  if (match === null) throw badInput(`--input must be N or HEIGHTxWIDTH (e.g. 128 or 96x128), got "${text}"`);
  return { height: Number(match[1]), width: Number(match[2] ?? match[1]) };
}

async function startEngine(context: CommandContext): Promise<void> {
  const engine = await initEngine();
  context.out.log(
    `backend: ${engine.backend}${engine.fallbackReason !== undefined ? ` (${engine.fallbackReason})` : ''}`,
  );
}

export function apTable(e: DetectionEvaluation): string {
  const rows = [
    ['CLASS', 'OBJECTS', 'DETECTIONS', 'AP@0.5', 'AP@0.75', 'AP@[.5:.95]'],
    ...e.classes.map((c) => [
      c.name,
      String(c.truths) + (c.difficult > 0 ? ` (+${c.difficult} difficult)` : ''),
      String(c.detections),
      figure(c.ap50),
      figure(c.coco75),
      figure(c.coco),
    ]),
    ['mean', '', '', figure(e.map50), '', figure(e.mapCoco)],
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

export const detectTrainCommand: Command = {
  path: ['detect', 'train'],
  usage:
    'detect train --dataset ID [--epochs 30] [--seed 1] [--input 128|HxW] [--batch-size 16] [--learning-rate 0.002] [--steps-per-epoch N] [--frames N] [--max-minutes M] [--name NAME] [--json]',
  summary:
    'Train a CenterNet-style detector (heatmap per class, offset and size heads, MobileNet-style backbone) on a detection dataset, with flips, scale jitter, tiles and colour augmentation',
  async run(context) {
    const { options, out } = context;
    const datasetId = options.requiredString('dataset');
    const epochs = options.number('epochs', { min: 1, max: 10000, integer: true }) ?? 30;
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 1;
    const input = readInputSize(context);
    const batchSize = options.number('batch-size', { min: 1, max: 256, integer: true });
    const learningRate = options.number('learning-rate', { min: 1e-7, max: 1 });
    const stepsPerEpoch = options.number('steps-per-epoch', { min: 1, max: 100000, integer: true });
    const frames = options.number('frames', { min: 1, max: 1e7, integer: true });
    const maxMinutes = options.number('max-minutes', { min: 0.01, max: 100000 });
    const name = options.string('name');
    options.rejectUnknown();
    await startEngine(context);
    const result = await trainDetector(
      context.workspace(),
      {
        datasetId,
        epochs,
        seed,
        ...input,
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(learningRate !== undefined ? { learningRate } : {}),
        ...(stepsPerEpoch !== undefined ? { stepsPerEpoch } : {}),
        ...(frames !== undefined ? { frames } : {}),
        ...(maxMinutes !== undefined ? { maxMinutes } : {}),
        ...(name !== undefined ? { name } : {}),
      },
      cliJobContext(context),
    );
    out.result(
      result,
      () =>
        `model ${result.modelId}: ${result.arch} ${result.input.height}x${result.input.width}, ${result.params} parameters, ${result.epochsRun} epochs (${result.steps} steps, stopped by ${result.stoppedBy}) on ${result.trainFrames} frames in ${result.seconds.toFixed(0)} s on ${result.backend}; final loss ${figure(result.lossHistory.at(-1))}`,
    );
  },
};

export const detectEvaluateCommand: Command = {
  path: ['detect', 'evaluate'],
  usage:
    'detect evaluate --model ID --dataset ID [--split test|train|all] [--score 0.3] [--tiles] [--policy FILE] [--json]',
  booleanFlags: ['tiles'],
  summary:
    'Score a detector: Pascal VOC AP@0.5 per class and mAP, COCO AP@[.5:.95], precision-recall curves, misses and false alarms per frame; stored as a validation',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const datasetId = options.requiredString('dataset');
    const split = options.string('split');
    const minScore = options.number('score', { min: 0.001, max: 0.999 });
    const tiles = options.flag('tiles');
    const policyFile = options.string('policy');
    options.rejectUnknown();
    const policy = policyFile !== undefined ? loadPolicy(resolve(policyFile)) : undefined;
    await startEngine(context);
    const result = await evaluateDetector(
      context.workspace(),
      {
        modelId,
        datasetId,
        ...(split !== undefined ? { split } : {}),
        ...(minScore !== undefined ? { minScore } : {}),
        tiles,
        ...(policy !== undefined && policyFile !== undefined
          ? { policy, policyFile: resolve(policyFile) }
          : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () => {
      const misses = result.frames.reduce((n, f) => n + f.misses.length, 0);
      const alarms = result.frames.reduce((n, f) => n + f.falseAlarms.length, 0);
      return [
        `validation ${result.validationId}: model ${result.modelId} on ${result.evaluation.frames} ${result.split} frames of ${result.datasetId} (${result.backend})`,
        apTable(result.evaluation),
        `at score >= ${result.operatingScore}: ${misses} missed objects, ${alarms} false alarms in ${result.frames.filter((f) => f.misses.length + f.falseAlarms.length > 0).length} frames`,
        result.intervals.map50 !== null
          ? `mAP@0.5 95% interval [${result.intervals.map50.map((v) => (v * 100).toFixed(1)).join('%-')}%] (${result.intervals.method})`
          : `no interval for mAP@0.5: ${result.intervals.why ?? 'too few resamples hold objects'}`,
      ].join('\n');
    });
    for (const f of result.findings) out.log(`attest: ${f.severity}: ${f.message}`);
    if (result.policy !== undefined && result.policy.verdict !== 'PASS') {
      // As validate: exit 3 after the full result, so that a script sees every gate.
      const open = result.policy.gates.filter((g) => g.status !== 'pass');
      out.log(
        `attest: policy verdict ${result.policy.verdict}: ${open.map((g) => `${g.gate} ${g.status === 'undecided' ? 'not decided: more data needed' : 'failed'} (${g.detail})`).join('; ')}`,
      );
      return exitCodeFor(new AttestError('VERIFY_FAILED', `policy verdict ${result.policy.verdict}`));
    }
    return undefined;
  },
};

export const detectCurveCommand: Command = {
  path: ['detect', 'curve'],
  usage:
    'detect curve --dataset ID [--frames 15,30,60,120] [--steps 300] [--seed 1] [--input 128|HxW] [--batch-size 16] [--learning-rate 0.002] [--json]',
  summary:
    'Learning curve for low-data work: a detector per training-frame count (nested subsets, the same steps each), AP on the test split',
  async run(context) {
    const { options, out } = context;
    const datasetId = options.requiredString('dataset');
    const frames = parseFrameCounts(options.string('frames') ?? '15,30,60,120');
    const steps = options.number('steps', { min: 1, max: 100000, integer: true });
    const seed = options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 1;
    const input = readInputSize(context);
    const batchSize = options.number('batch-size', { min: 1, max: 256, integer: true });
    const learningRate = options.number('learning-rate', { min: 1e-7, max: 1 });
    options.rejectUnknown();
    await startEngine(context);
    const result = await detectionLearningCurve(
      context.workspace(),
      {
        datasetId,
        frames,
        seed,
        ...input,
        ...(steps !== undefined ? { steps } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(learningRate !== undefined ? { learningRate } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () =>
      [
        `learning curve on ${result.datasetId}: ${result.steps} steps per point, ${result.testFrames} test frames (${result.backend})`,
        'FRAMES  mAP@0.5  mAP@[.5:.95]  SECONDS',
        ...result.points.map(
          (p) =>
            `${String(p.frames).padEnd(6)}  ${figure(p.map50).padEnd(7)}  ${figure(p.mapCoco).padEnd(12)}  ${p.seconds.toFixed(0)}`,
        ),
      ].join('\n'),
    );
  },
};
