import type { ModelRow } from '../store/models.js';
import { badInput } from '../errors.js';
import { isImportedModel } from '../models/input-contract.js';
import { runtimeOnlySentence } from '../models/runtime-only.js';
import type { SuiteName } from './validate-options.js';

/** A suite asked for that cannot run on this model, with the reason a reviewer reads in the result. */
export interface SuiteNotRun {
  suite: SuiteName;
  reason: string;
}

/** What each suite needs beyond forward passes; a suite absent here needs forward passes only. */
const NEEDS_GRADIENTS: Partial<Record<SuiteName, string>> = {
  fgsm: 'FGSM follows the gradient of the loss with respect to the input',
  pgd: 'PGD follows the gradient of the loss with respect to the input',
  sparse: 'the sparse attack follows gradients of the loss',
  attribution: 'attributions are computed from gradients',
  'mutation-detection': 'nMutant mutates the model weights and crafts FGSM and PGD examples',
  membership: 'membership inference trains shadow models of the same architecture',
};

const MEMBERSHIP_UNKNOWN =
  'membership inference needs to know which samples the model was trained on; for a model made outside Attest ' +
  'its training data is not recorded here (the vendor or research group that trained it can run it)';

/**
 * Splits the asked suites into those that run on this model and those that cannot, with why: a model run by
 * ONNX Runtime alone has no gradients (the suites above are not run), and no imported model has recorded
 * training data (membership). A validation where nothing could run is refused, naming each reason.
 */
export function suitesForModel(
  row: ModelRow,
  suites: readonly SuiteName[],
): { run: SuiteName[]; notRun: SuiteNotRun[] } {
  const runtimeOnly = runtimeOnlySentence(row);
  const run: SuiteName[] = [];
  const notRun: SuiteNotRun[] = [];
  for (const suite of suites) {
    const needs = NEEDS_GRADIENTS[suite];
    if (suite === 'membership' && isImportedModel(row)) notRun.push({ suite, reason: MEMBERSHIP_UNKNOWN });
    else if (runtimeOnly !== undefined && needs !== undefined)
      notRun.push({ suite, reason: `${runtimeOnly}; ${needs}` });
    else run.push(suite);
  }
  if (run.length === 0)
    throw badInput(
      `none of the suites asked can run on model ${row.id}: ${notRun.map((n) => `${n.suite}: ${n.reason}`).join('; ')}. ` +
        'Nothing was run (clean, calibration, noise, corruptions and square need forward passes only).',
    );
  return { run, notRun };
}
