import type { Workspace } from '../../store/workspace.js';
import { checkSuitesApply } from '../../validate/suite-applicability.js';
import { shareOfJob } from '../../jobs/share-of-job.js';
import { engineInfo } from '../../engine/backend.js';
import { getModel } from '../../store/models.js';
import { datasetForModel } from '../../models/image-contract.js';
import { getDataset } from '../../store/datasets.js';
import { AttestError, badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { runJob } from '../../jobs/run-job.js';
import { throwIfCancelled, type JobContext } from '../../jobs/job-context.js';
import { gatherWindows, inputsOfRawBeats, loadEcgDataset } from '../../data/ecg-dataset.js';
import { loadDataset } from '../../data/dataset-kinds.js';
import { groupsOf, labelsOf, sampleIndices } from '../../data/sample-dataset.js';
import { noiseStressSuiteAsync } from '../../validate/noise-stress.js';
import { DEFAULT_ECG_NOISES, loadEcgNoises } from '../../validate/ecg-noises.js';
import { metricRows } from '../../validate/rows.js';
import { SuiteContext } from '../../validate/suite-context.js';
import { evaluatePolicy, policyNeeds, type PolicyResult } from '../../validate/policy.js';
import { DEFAULT_FGSM_EPSILONS } from '../../validate/fgsm.js';
import { DEFAULT_L2_EPSILONS } from '../../validate/attack-suites.js';
import { DEFAULT_SPARSE_BUDGETS } from '../../validate/sparse-attack.js';
import { DEFAULT_NOISE_SNRS_DB } from '../../validate/noise-stress.js';
import { classificationMetrics } from '../../metrics/metrics.js';
import { decide, decisionRule } from '../../validate/operating-threshold.js';
import { predictProbabilities } from '../../predict/predict.js';
import type { ValidationResults } from '../../validate/rows.js';
import { disagreementSuite } from '../../validate/disagreement-suite.js';
import { membershipSuite } from '../../validate/membership-suite.js';
import { detectionSuite } from '../../validate/detection-suite.js';
import { corruptionsSuite } from '../../validate/corruptions-suite.js';
import { attributionSuite } from '../../validate/attribution-suite.js';
import { calibrationSuite, cleanSuite } from '../../validate/clean-suites.js';
import {
  fgsmSuiteOf,
  pgdSuite,
  sparseSuite,
  squareSuite,
  transferSuite,
} from '../../validate/attack-suites.js';
import {
  currentSuiteName,
  SUITES,
  type SuiteName,
  type ValidateOptions,
} from '../../validate/validate-options.js';
import {
  pairedComparison,
  validationFindings,
  type Finding,
  type ReferenceComparison,
} from '../../validate/findings.js';
import { suitesForModel, type SuiteNotRun } from '../../validate/suites-for-model.js';
import { hasPhysicalBudgets, policyInInputUnits } from '../../validate/policy-budget-units.js';
import { reviewerScaleOf } from '../../validate/reviewer-units.js';
import { BY_BEAT_WARNING } from '../../data/ecg-splits.js';
import { BY_FILE_WARNING } from '../../data/images/image-splits.js';
import type { CleanResult, CalibrationResult } from '../../validate/clean-suites.js';
import type { ClassScores } from '../../validate/policy-class-criteria.js';
import { persistValidation } from '../../persist/persist-validation.js';
import { decodeStoredModel } from '../../predict/load-stored-model.js';
import { checkSurrogate } from '../../validate/transfer-source.js';
import { chooseForwardRuntime, FORWARD_ONLY_SUITES, keptOnnxFile } from '../../validate/forward-runtime.js';

export { SUITES, type SuiteName, type ValidateOptions } from '../../validate/validate-options.js';

export function parseSuites(text: string): SuiteName[] {
  const names = text
    .split(',')
    .map((s) => currentSuiteName(s.trim()))
    .filter((s) => s !== '');
  if (names.length === 0) throw badInput(`--suite needs at least one of ${SUITES.join(', ')}`);
  for (const name of names) {
    if (!(SUITES as readonly string[]).includes(name))
      throw badInput(`unknown suite "${name}"; available: ${SUITES.join(', ')}`);
  }
  return [...new Set(names)] as SuiteName[];
}

type SuiteRunner = (ctx: SuiteContext, options: ValidateOptions, job: JobContext) => unknown;

/** What each suite computes; results are stored under the suite's name. */
const SUITE_RUNNERS: Record<SuiteName, SuiteRunner> = {
  clean: (ctx, options) => cleanSuite(ctx, options),
  calibration: (ctx) => calibrationSuite(ctx),
  fgsm: fgsmSuiteOf,
  pgd: pgdSuite,
  sparse: sparseSuite,
  square: squareSuite,
  transfer: transferSuite,
  disagreement: (ctx, _options, job) => disagreementSuite(ctx, job),
  membership: membershipSuite,
  'mutation-detection': detectionSuite,
  corruptions: corruptionsSuite,
  attribution: (ctx, options) => attributionSuite(ctx, options),
  noise: noiseSuite,
};

function noiseSuite(ctx: SuiteContext, options: ValidateOptions, job: JobContext): unknown {
  if (ctx.dataset.kind !== 'ecg-beats')
    throw badInput(
      `the noise suite is the ECG noise stress test; dataset ${ctx.dataset.id} is ${ctx.dataset.kind}`,
    );
  // The noise is added to the raw beats in mV, before the per-beat standardization.
  const ecg = loadEcgDataset(ctx.workspace, options.datasetId);
  if (ecg.preprocessing !== 'standardize-per-beat' && ecg.preprocessing !== 'record-normalized-rr')
    throw badInput(
      `the noise suite adds noise to beats in mV; dataset ${ecg.id} stores beats already scaled by preset ${ecg.preprocessing}: import the records with the default preset to run it`,
    );
  return noiseStressSuiteAsync(
    {
      model: ctx.forwardModel,
      windows: gatherWindows(ecg, ctx.indices),
      length: ecg.length,
      labels: ctx.labels,
      recordOfBeat: ctx.groups,
      noises: loadEcgNoises(options.noises ?? DEFAULT_ECG_NOISES),
      preprocess: (windows: Float32Array): Float32Array => inputsOfRawBeats(ecg, windows, ctx.indices),
      classes: ctx.dataset.classes,
      seed: ctx.seed,
      fs: ecg.fs,
      rPeakIndex: ecg.before,
      sampleShape: ctx.sampleShape,
      ...(options.snrs !== undefined ? { snrs: options.snrs } : {}),
    },
    job,
  );
}

/**
 * Runs the chosen suites on one model and one split of a dataset and stores the result, its metric rows and
 * the audit event in one transaction.
 */
/** The run a policy needs: its suites added to the asked ones, its epsilons, budgets and SNRs to the sweeps. */
function withPolicyNeeds(options: ValidateOptions): ValidateOptions {
  if (options.policy === undefined) return options;
  const needs = policyNeeds(options.policy);
  const union = (asked: number[] | undefined, defaults: number[], extra: number[]): number[] | undefined =>
    extra.length === 0 ? asked : [...new Set([...(asked ?? defaults), ...extra])].sort((a, b) => a - b);
  const epsilons = union(options.epsilons, DEFAULT_FGSM_EPSILONS, needs.epsilons);
  const l2Epsilons = union(options.l2Epsilons, DEFAULT_L2_EPSILONS, needs.l2Epsilons);
  const sparseBudgets = union(options.sparseBudgets, DEFAULT_SPARSE_BUDGETS, needs.budgets);
  const snrs = union(options.snrs, DEFAULT_NOISE_SNRS_DB, needs.snrs)?.sort((a, b) => b - a);
  const pgdNorms =
    options.policy.minRobustAccuracy?.some((g) => g.suite === 'pgd' && g.norm === 'L2') === true
      ? [...new Set([...(options.pgdNorms ?? ['Linf' as const]), 'L2' as const])]
      : options.pgdNorms;
  return {
    ...options,
    suites: [...new Set([...options.suites, ...needs.suites])],
    ...(epsilons !== undefined ? { epsilons } : {}),
    ...(l2Epsilons !== undefined ? { l2Epsilons } : {}),
    ...(sparseBudgets !== undefined ? { sparseBudgets } : {}),
    ...(snrs !== undefined ? { snrs } : {}),
    ...(pgdNorms !== undefined ? { pgdNorms } : {}),
  };
}

/** The suites whose curves show accuracy under a perturbation: flat for a model that answers one class. */
const ROBUSTNESS_SUITES: SuiteName[] = [
  'fgsm',
  'pgd',
  'sparse',
  'square',
  'transfer',
  'noise',
  'corruptions',
];

/** This model's decisions on the split under the validation's rule (the clean suite's, when it ran). */
function decisionsOf(ctx: SuiteContext, options: ValidateOptions, clean: CleanResult | undefined) {
  const rule = decisionRule(ctx.dataset.classes, options.threshold, options.positiveClass);
  const predicted = decide(ctx.probabilities(), ctx.classCount, rule);
  const metrics = clean ?? classificationMetrics(ctx.labels, predicted, ctx.dataset.classes);
  return { rule, predicted, metrics };
}

/** The parent's decisions on the same samples under the same rule, paired with this model's; none for a baseline. */
async function referenceComparison(
  ctx: SuiteContext,
  options: ValidateOptions,
  predicted: Int32Array,
): Promise<ReferenceComparison | undefined> {
  const rule = decisionRule(ctx.dataset.classes, options.threshold, options.positiveClass);
  const compare = (
    referenceId: string,
    relation: string,
    probabilities: Float32Array,
  ): ReferenceComparison => {
    const theirs = decide(probabilities, ctx.classCount, rule);
    return {
      referenceId,
      relation,
      reference: classificationMetrics(ctx.labels, theirs, ctx.dataset.classes),
      ...pairedComparison(ctx.labels, predicted, theirs, ctx.dataset.classes),
    };
  };
  if (options.referenceModelId !== undefined) {
    // A named reference sees the same samples under its own input contract (refused, both sides named, if not).
    const row = getModel(ctx.workspace.db, options.referenceModelId);
    const { dataset } = datasetForModel(ctx.workspace, row, loadDataset(ctx.workspace, ctx.dataset.id));
    const model = await decodeStoredModel(ctx.workspace, row);
    try {
      const { probabilities } = predictProbabilities(model, dataset.inputs(ctx.indices), ctx.sampleShape);
      return compare(row.id, 'the reference model', probabilities);
    } finally {
      model.dispose();
    }
  }
  const parent = await ctx.parent();
  if (parent === undefined) return undefined;
  const { probabilities } = predictProbabilities(parent.model, ctx.inputs, ctx.sampleShape);
  return compare(parent.row.id, 'its parent', probabilities);
}

/** Test records in the split, and per class the records holding it. */
function testRecordCounts(ctx: SuiteContext): {
  testRecords: number;
  recordsPerClass: Record<string, number>;
} {
  const recordsPerClass: Record<string, number> = {};
  ctx.dataset.classes.forEach((label, c) => {
    const holding = new Set<number>();
    for (let i = 0; i < ctx.labels.length; i++) if (ctx.labels[i] === c) holding.add(ctx.groups[i] as number);
    recordsPerClass[label] = holding.size;
  });
  return { testRecords: new Set(ctx.groups).size, recordsPerClass };
}

/** One class's probabilities over the split and its true samples, for AP and sensitivity at a specificity. */
function classScores(ctx: SuiteContext, label: string): ClassScores | undefined {
  const c = ctx.dataset.classes.indexOf(label);
  if (c < 0) return undefined;
  const probabilities = ctx.probabilities();
  const k = ctx.classCount;
  return {
    scores: Float64Array.from({ length: ctx.labels.length }, (_, i) => probabilities[i * k + c] as number),
    positive: Array.from(ctx.labels, (l) => l === c),
  };
}

/** The findings of this validation: see findings.ts. */
function findingsOf(
  ctx: SuiteContext,
  options: ValidateOptions,
  result: Record<string, unknown>,
  decisions: ReturnType<typeof decisionsOf>,
  reference: ReferenceComparison | undefined,
  datasetWarnings: unknown,
) {
  const { testRecords, recordsPerClass } = testRecordCounts(ctx);
  const warnings = Array.isArray(datasetWarnings) ? (datasetWarnings as unknown[]).map(String) : [];
  const optimistic = warnings.find((w) => w === BY_BEAT_WARNING || w === BY_FILE_WARNING) ?? null;
  const clean = result['clean'] as CleanResult | undefined;
  return validationFindings({
    metrics: decisions.metrics,
    roc: clean?.roc,
    calibration: result['calibration'] as CalibrationResult | undefined,
    robustnessSuites: options.suites.filter((s) => ROBUSTNESS_SUITES.includes(s) && result[s] !== undefined),
    testRecords,
    recordsPerClass,
    groupsAreSamples: testRecords === ctx.labels.length && testRecords >= 30,
    optimisticSplit: optimistic,
    reference,
  });
}

/** A finding per suite that could not run, so that a reader of the figures knows what was not measured. */
function notRunFindings(notRun: SuiteNotRun[]): Finding[] {
  return notRun.map(({ suite, reason }) => ({
    code: 'suite-not-run',
    severity: 'warning',
    message: `The ${suite} suite was asked for but could not run: ${reason}. Nothing in this validation measures what it would have.`,
  }));
}

/** A policy gate left without a value because its suite could not run says so, instead of a bare "no result". */
function explainUnmeasuredGates(policy: PolicyResult, notRun: SuiteNotRun[]): PolicyResult {
  if (notRun.length === 0) return policy;
  return {
    ...policy,
    gates: policy.gates.map((gate) => {
      const missing = notRun.find((n) => gate.value === null && gateSuite(gate.gate) === n.suite);
      return missing === undefined
        ? gate
        : { ...gate, detail: `not measured: the ${missing.suite} suite could not run (${missing.reason})` };
    }),
  };
}

/** The suite a gate reads: min_robust_accuracy:pgd reads pgd, max_membership_advantage membership, max_ece calibration. */
function gateSuite(gate: string): string | undefined {
  if (gate.startsWith('min_robust_accuracy:')) return gate.slice('min_robust_accuracy:'.length);
  if (gate === 'max_membership_advantage') return 'membership';
  if (gate === 'max_ece') return 'calibration';
  if (gate === 'max_corruption_error') return 'corruptions';
  return undefined;
}

/** The asked options with the policy's budgets in mV or grey levels converted to this dataset's input units. */
function withBudgetsInInputUnits(workspace: Workspace, asked: ValidateOptions): ValidateOptions {
  if (asked.policy === undefined || !hasPhysicalBudgets(asked.policy)) return asked;
  const { dataset } = datasetForModel(
    workspace,
    getModel(workspace.db, asked.modelId),
    loadDataset(workspace, asked.datasetId),
  );
  const scale = reviewerScaleOf(workspace, dataset, sampleIndices(dataset, asked.split));
  return {
    ...asked,
    policy: policyInInputUnits(asked.policy, scale, `dataset ${dataset.id} (${dataset.name})`),
  };
}

/**
 * Options a suite would refuse, checked before any suite runs: a typo is bad input (refused, nothing stored),
 * not a suite failure to store beside the others' results.
 */
function checkSuiteOptions(ctx: SuiteContext, options: ValidateOptions): void {
  if (options.target !== undefined && !ctx.dataset.classes.includes(options.target))
    throw badInput(`--target "${options.target}" is not one of ${ctx.dataset.classes.join(', ')}`);
  if (options.suites.includes('attribution') && options.attributionSamples !== undefined) {
    const inSplit = new Set(ctx.indices);
    const outside = options.attributionSamples.find((index) => !inSplit.has(index));
    if (outside !== undefined)
      throw badInput(`sample ${outside} is not in the ${ctx.split} split of dataset ${ctx.dataset.id}`);
  }
  if (options.surrogateModelId !== undefined) {
    if (!options.suites.includes('transfer'))
      throw badInput('--surrogate names the model the transfer suite crafts on: add transfer to --suite');
    checkSurrogate(ctx, options.surrogateModelId);
  }
}

export async function validateModel(workspace: Workspace, asked: ValidateOptions, context: JobContext) {
  const wanted = withPolicyNeeds(withBudgetsInInputUnits(workspace, asked));
  const modelRow = getModel(workspace.db, wanted.modelId);
  const datasetRow = getDataset(workspace.db, wanted.datasetId);
  checkSuitesApply(datasetRow, wanted.suites);
  // A model run by ONNX Runtime alone has no gradients; an imported one no recorded training data.
  const { run, notRun } = suitesForModel(modelRow, wanted.suites);
  const options: ValidateOptions = { ...wanted, suites: run };
  const seed = options.seed ?? 1;
  const params = { ...options, seed };
  return runJob(workspace, 'validate', params, context, async (jobId, job) => {
    const backend = engineInfo().backend;
    // Shape, preprocessing preset and classes must agree before any suite runs (both sides named if not); an
    // imported image model sees the stored pixels under its own normalization.
    const { dataset, note: inputNote } = datasetForModel(
      workspace,
      modelRow,
      loadDataset(workspace, options.datasetId),
    );
    const indices = sampleIndices(dataset, options.split);
    if (indices.length === 0)
      throw badInput(`dataset ${dataset.id} has no sample in its ${options.split} split`);
    const labels = labelsOf(dataset, indices);
    const records = groupsOf(dataset, indices);
    const inputs = dataset.inputs(indices);
    const model = await decodeStoredModel(workspace, modelRow);
    const ctx = new SuiteContext(
      workspace,
      modelRow,
      model,
      dataset,
      options.split,
      indices,
      labels,
      records,
      inputs,
      seed,
    );
    const result: Record<string, unknown> = {
      modelId: modelRow.id,
      datasetId: dataset.id,
      split: options.split,
      n: indices.length,
      backend,
      ...(notRun.length > 0 ? { suitesNotRun: notRun } : {}),
      ...(inputNote !== undefined ? { inputNote } : {}),
    };
    const ran: SuiteName[] = [];
    const failed: { suite: SuiteName; reason: string }[] = [];
    let firstError: unknown;
    try {
      checkSuiteOptions(ctx, options);
      // The forward-only suites run where they are fastest (TF.js or ONNX Runtime); the result says which.
      if (options.suites.some((s) => (FORWARD_ONLY_SUITES as readonly string[]).includes(s))) {
        const forward = chooseForwardRuntime(
          model,
          inputs,
          dataset.sampleShape,
          dataset.classes.length,
          options.forwardRuntime,
          keptOnnxFile(workspace, modelRow),
        );
        ctx.forwardModel = forward.model;
        result['forwardRuntime'] = forward.info;
      }
      const steps = options.suites.length;
      for (const [k, suite] of options.suites.entries()) {
        throwIfCancelled(job.signal);
        const label = `suite ${suite} (${k + 1}/${steps})`;
        job.progress(k / steps, label);
        const runner = SUITE_RUNNERS[suite];
        if (runner === undefined)
          throw badInput(`unknown suite "${String(suite)}"; available: ${SUITES.join(', ')}`);
        // One suite that cannot run (a dataset it does not fit, a failure inside it) does not discard the
        // suites already run: its reason is stored with the results, the validation names it, and the others go on.
        try {
          result[suite] = await runner(ctx, options, shareOfJob(job, k, steps, label));
          ran.push(suite);
        } catch (error) {
          if (job.signal.aborted || (error instanceof AttestError && error.code === 'CANCELLED')) throw error;
          const reason = error instanceof Error ? error.message : String(error);
          failed.push({ suite, reason });
          firstError ??= error;
          job.log(`suite ${suite} failed: ${reason}`);
        }
      }
      // Nothing to keep: one suite asked fails as itself; several say each reason.
      if (ran.length === 0 && firstError !== undefined && failed.length === 1) throw firstError;
      if (ran.length === 0)
        throw badInput(`no suite could run: ${failed.map((f) => `${f.suite}: ${f.reason}`).join('; ')}`);
      if (failed.length > 0) result['failedSuites'] = failed;
      const decisions = decisionsOf(ctx, options, result['clean'] as CleanResult | undefined);
      const reference = await referenceComparison(ctx, options, decisions.predicted);
      result['findings'] = [
        ...findingsOf(ctx, options, result, decisions, reference, datasetRow.summary['warnings']),
        ...notRunFindings(notRun),
        // How the dataset was fed to an imported image model, so that a report reader sees it beside the figures.
        ...(inputNote !== undefined
          ? [
              {
                code: 'input-normalized-for-model',
                severity: 'note' as const,
                message: `Input: ${inputNote}.`,
              },
            ]
          : []),
      ];
      if (options.policy !== undefined) {
        result['policy'] = {
          ...(options.policyFile !== undefined ? { file: options.policyFile } : {}),
          ...explainUnmeasuredGates(
            evaluatePolicy(options.policy, result as ValidationResults, reference?.reference, {
              ...testRecordCounts(ctx),
              scoresOf: (label) => classScores(ctx, label),
            }),
            // A gate on a suite that failed or could not run says why it has no value.
            [...notRun, ...failed],
          ),
        };
      }
    } finally {
      ctx.dispose();
      model.dispose();
    }
    const rows = metricRows(result as ValidationResults);
    const validationId = newId('val');
    persistValidation(
      workspace.db,
      {
        id: validationId,
        modelId: modelRow.id,
        datasetId: dataset.id,
        split: options.split,
        suites: ran,
        backend,
        result,
        createdAt: utcNow(),
      },
      rows,
      {
        action: 'model.validate',
        payload: {
          params: { ...params, jobId },
          backend,
          inputs: [
            { role: 'model', sha256: modelRow.artifactSha256 },
            { role: 'dataset-bundle', sha256: datasetRow.dataSha256 },
          ],
          result: {
            metricRows: rows.length,
            modelId: modelRow.id,
            ...(failed.length > 0 ? { failedSuites: failed } : {}),
          },
        },
      },
    );
    return { validationId, ...result, metricRows: rows.length };
  });
}
