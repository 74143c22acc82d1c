import type { Command } from '../command.js';
import { parseNoiseNames } from '../../core/validate/ecg-noises.js';
import { initEngine } from '../../core/engine/backend.js';
import {
  parseSuites,
  validateModel,
  type ValidateOptions,
} from '../../core/pipelines/validate/validate-model.js';
import type { PgdNorm } from '../../core/validate/pgd.js';
import { parseSplitName } from '../../core/data/ecg-dataset.js';
import { AttestError, badInput, exitCodeFor } from '../../core/errors.js';
import { loadPolicy } from '../../core/validate/policy.js';
import { getDataset } from '../../core/store/datasets.js';
import { IMAGE_DATASET_KIND } from '../../core/data/images/image-dataset-store.js';
import { parseCorruptions } from '../../core/validate/image-corruptions.js';
import { resolve } from 'node:path';
import { cliJobContext } from './job-context.js';
import { withMethodEvidence } from './method-evidence-output.js';

function numberList(
  text: string | undefined,
  name: string,
  min: number,
  max: number,
  integer = false,
): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map(Number);
  if (
    values.length === 0 ||
    values.some((v) => !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
  ) {
    throw badInput(
      `--${name} must be a comma-separated list of ${integer ? 'integers' : 'numbers'} from ${min} to ${max}, got "${text}"`,
    );
  }
  return values;
}

function pgdNorms(text: string | undefined): PgdNorm[] | undefined {
  if (text === undefined) return undefined;
  const norms = [...new Set(text.split(',').map((s) => s.trim().toLowerCase()))];
  return norms.map((norm) => {
    if (norm === 'linf') return 'Linf';
    if (norm === 'l2') return 'L2';
    throw badInput(`--pgd-norms takes linf and l2, got "${norm}"`);
  });
}

/** Drops the undefined entries, so that optional options stay absent rather than undefined. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export const validateCommand: Command = {
  path: ['validate'],
  booleanFlags: ['temperature-scaling', 'no-random-start'],
  usage:
    'validate --model ID --dataset ID [--split test] [--suite clean,fgsm,noise|corruptions by default; clean,calibration,fgsm,pgd,sparse,square,transfer,disagreement,membership,detection,corruptions,attribution,noise] [--samples I,J] ' +
    '[--threshold P [--positive-class NAME]] [--reference MODEL] [--surrogate MODEL] [--forward-runtime auto|tfjs|onnxruntime] [--temperature-scaling] [--epsilons 0.01,0.05,0.1] ' +
    '[--pgd-norms linf,l2] [--l2-epsilons 0.1,0.5,1] [--pgd-steps 10] [--pgd-step-size R] [--pgd-restarts 1] [--no-random-start] ' +
    '[--target CLASS] [--sparse-k 1,5,20] [--sparse-magnitude 1] [--sparse-steps 20] [--square-queries 200] [--membership-samples 1000] [--shadow-models 4] [--shadow-epochs 3] [--detection-samples 200] [--detection-epsilon E] [--mutants 30] [--mutation-rate 0.05] ' +
    '[--snrs 24,18,12,6,0,-6] [--noises bw,ma,em,pl50,pl60,offset,scale|all] [--corruptions gaussian,shot,blur,jpeg,contrast,brightness,fog,glare|all] [--seed S] [--policy FILE] [--json]',
  summary:
    'Validate a model: per-class metrics with ROC/AUC, calibration (ECE, temperature scaling), FGSM, PGD, sparse, Square and transfer attacks, ECG noise stress test; stored as metric rows',
  async run(context) {
    const { options, out } = context;
    const modelId = options.requiredString('model');
    const datasetId = options.requiredString('dataset');
    const split = parseSplitName(options.string('split') ?? 'test');
    const suiteText = options.string('suite');
    const noisesText = options.string('noises');
    const policyFile = options.string('policy');
    const corruptionsText = options.string('corruptions');
    const validate: ValidateOptions = defined({
      modelId,
      datasetId,
      split,
      suites: [],
      epsilons: numberList(options.string('epsilons'), 'epsilons', 0, 10),
      snrs: numberList(options.string('snrs'), 'snrs', -30, 60),
      noises: noisesText !== undefined ? parseNoiseNames(noisesText) : undefined,
      seed: options.number('seed', { min: 0, max: 2 ** 31 - 1, integer: true }),
      threshold: options.number('threshold', { min: 0, max: 1 }),
      positiveClass: options.string('positive-class'),
      referenceModelId: options.string('reference'),
      surrogateModelId: options.string('surrogate'),
      forwardRuntime: forwardRuntimeOption(options.string('forward-runtime')),
      temperatureScaling: options.flag('temperature-scaling') ? true : undefined,
      pgdNorms: pgdNorms(options.string('pgd-norms')),
      l2Epsilons: numberList(options.string('l2-epsilons'), 'l2-epsilons', 0, 1000),
      pgdSteps: options.number('pgd-steps', { min: 1, max: 10_000, integer: true }),
      pgdStepSize: options.number('pgd-step-size', { min: 1e-6, max: 10 }),
      pgdRestarts: options.number('pgd-restarts', { min: 1, max: 100, integer: true }),
      pgdRandomStart: options.flag('no-random-start') ? false : undefined,
      target: options.string('target'),
      sparseBudgets: numberList(options.string('sparse-k'), 'sparse-k', 0, 1_000_000, true),
      sparseMagnitude: options.number('sparse-magnitude', { min: 1e-6, max: 1000 }),
      sparseSteps: options.number('sparse-steps', { min: 1, max: 1000, integer: true }),
      squareQueries: options.number('square-queries', { min: 1, max: 100_000, integer: true }),
      membershipSamples: options.number('membership-samples', { min: 10, max: 100_000, integer: true }),
      shadowModels: options.number('shadow-models', { min: 0, max: 64, integer: true }),
      shadowEpochs: options.number('shadow-epochs', { min: 1, max: 1000, integer: true }),
      detectionSamples: options.number('detection-samples', { min: 20, max: 100_000, integer: true }),
      detectionEpsilon: options.number('detection-epsilon', { min: 0, max: 10 }),
      mutants: options.number('mutants', { min: 1, max: 1000, integer: true }),
      mutationRate: options.number('mutation-rate', { min: 1e-6, max: 1 }),
      corruptions: corruptionsText !== undefined ? parseCorruptions(corruptionsText) : undefined,
      attributionSamples: numberList(options.string('samples'), 'samples', 0, 2 ** 31 - 1, true),
      policy: policyFile !== undefined ? loadPolicy(resolve(policyFile)) : undefined,
      policyFile: policyFile !== undefined ? resolve(policyFile) : undefined,
    });
    options.rejectUnknown();
    // By default the natural-noise suite of the domain: the ECG noise stress test, or image corruptions.
    validate.suites = parseSuites(
      suiteText ??
        (getDataset(context.workspace().db, datasetId).kind === IMAGE_DATASET_KIND
          ? 'clean,fgsm,corruptions'
          : 'clean,fgsm,noise'),
    );
    await initEngine();
    const result = withMethodEvidence(
      context,
      await validateModel(context.workspace(), validate, cliJobContext(context)),
      validate.suites.includes('mutation-detection') ? ['nmutant'] : [],
    );
    out.result(result, () => JSON.stringify(result, null, 2));
    for (const f of (result as { findings?: { severity: string; message: string }[] }).findings ?? [])
      out.log(`attest: ${f.severity}: ${f.message}`);
    const policy = (
      result as {
        policy?: { verdict: string; gates: { gate: string; status: string; detail: string }[] };
      }
    ).policy;
    if (policy !== undefined && policy.verdict !== 'PASS') {
      // Exit code 3 after the full result, so that a script sees every gate, not just the first failed one; a
      // verdict not decided (an interval straddles a limit) is not a pass either.
      const open = policy.gates.filter((g) => g.status !== 'pass');
      out.log(
        `attest: policy verdict ${policy.verdict}: ${open.map((g) => `${g.gate} ${g.status === 'undecided' ? 'not decided: more data needed' : 'failed'} (${g.detail})`).join('; ')}`,
      );
      return exitCodeFor(new AttestError('VERIFY_FAILED', `policy verdict ${policy.verdict}`));
    }
    return undefined;
  },
};

/** --forward-runtime: where the forward-only suites run (measured by default). */
function forwardRuntimeOption(text: string | undefined): ValidateOptions['forwardRuntime'] {
  if (text === undefined) return undefined;
  if (text === 'auto' || text === 'tfjs' || text === 'onnxruntime') return text;
  throw badInput(`--forward-runtime must be auto, tfjs or onnxruntime, got "${text}"`);
}
