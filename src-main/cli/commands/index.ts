import type { Command } from '../command.js';
import { inspectCommand } from './inspect.js';
import { importWfdbCommand } from './import.js';
import { importEdfCommand } from './import-edf.js';
import { importCsvCommand, importNpyCommand } from './import-timeseries.js';
import { importSyntheticEcgCommand } from './import-synthetic.js';
import {
  importDicomCommand,
  importImagesCommand,
  importNpzCommand,
  importVocCommand,
} from './import-images.js';
import { generateInsulatorsCommand, generateMammogramsCommand } from './generate-images.js';
import { datasetIdentifiersCommand } from './dataset-identifiers.js';
import { importDetectionCommand } from './detect-import.js';
import { detectCurveCommand, detectEvaluateCommand, detectTrainCommand } from './detect.js';
import { detectCompressCommand, detectRobustnessCommand } from './detect-compress.js';
import { detectFramesCommand } from './detect-frames.js';
import { detectAttackCommand } from './detect-attack.js';
import {
  projectsAddCommand,
  projectsAssignCommand,
  projectsExportCommand,
  projectsListCommand,
  projectsRenameCommand,
  withProjectOption,
} from './projects.js';
import { viewRecordCommand } from './view.js';
import { benchCommand } from './bench.js';
import { lrCompareCommand, lrFindCommand } from './lr.js';
import { modelsSparsityCommand } from './sparsity.js';
import { explainCommand } from './explain.js';
import { defendMembershipCommand } from './defend.js';
import { methodsEvidenceCommand, methodsReproduceCommand } from './methods.js';
import { semiCompareCommand } from './semi.js';
import { lowBitCompareCommand } from './low-bit.js';
import { augmentCompareCommand } from './augment.js';
import { generativeCheckCommand, generativeListCommand, generativeTrainCommand } from './generative.js';
import { datasetsListCommand, jobsListCommand, modelsListCommand } from './lists.js';
import { trainCommand } from './train.js';
import { compressCommand } from './compress.js';
import { modelsMeasureCommand } from './measure.js';
import { exportModelCommand } from './export-model.js';
import { modelsImportCommand } from './models-import.js';
import { predictCommand } from './predict.js';
import { validateCommand } from './validate.js';
import { policyCheckCommand, policyTemplateCommand } from './policy.js';
import { reportCommand } from './report.js';
import {
  auditCheckpointCommand,
  auditExportCommand,
  auditLogCommand,
  auditProveCommand,
  auditSignaturesCommand,
  auditVerifyCommand,
} from './audit.js';
import { modelsCardCommand } from './model-card.js';
import {
  usersAddCommand,
  usersChangePasswordCommand,
  usersListCommand,
  usersResetPasswordCommand,
  usersSetRoleCommand,
} from './users.js';
import { signCommand } from './sign.js';
import { commentCommand, commentsCommand } from './comment.js';
import { errorsCommand } from './errors.js';
import { demoCommand } from './demo.js';
import { serveCommand } from './serve.js';
import { siteInitCommand } from './site.js';
import { siteServeCommand } from './site-serve.js';
import { siteExportCommand, siteImportCommand } from './site-move.js';
import { workerCommand } from './worker.js';

/** Every CLI command, in the order `attest --help` lists them; imports and train take --project. */
export const COMMANDS: readonly Command[] = [
  projectsAddCommand,
  projectsListCommand,
  projectsRenameCommand,
  projectsAssignCommand,
  projectsExportCommand,
  inspectCommand,
  importWfdbCommand,
  importEdfCommand,
  importCsvCommand,
  importNpyCommand,
  importSyntheticEcgCommand,
  importImagesCommand,
  importDicomCommand,
  importVocCommand,
  importNpzCommand,
  importDetectionCommand,
  generateMammogramsCommand,
  generateInsulatorsCommand,
  viewRecordCommand,
  datasetsListCommand,
  datasetIdentifiersCommand,
  trainCommand,
  lrFindCommand,
  lrCompareCommand,
  compressCommand,
  modelsListCommand,
  modelsImportCommand,
  modelsSparsityCommand,
  explainCommand,
  defendMembershipCommand,
  methodsReproduceCommand,
  methodsEvidenceCommand,
  semiCompareCommand,
  lowBitCompareCommand,
  generativeTrainCommand,
  generativeCheckCommand,
  generativeListCommand,
  augmentCompareCommand,
  detectTrainCommand,
  detectEvaluateCommand,
  detectCurveCommand,
  detectCompressCommand,
  detectRobustnessCommand,
  detectAttackCommand,
  detectFramesCommand,
  modelsMeasureCommand,
  exportModelCommand,
  validateCommand,
  policyTemplateCommand,
  policyCheckCommand,
  predictCommand,
  reportCommand,
  auditVerifyCommand,
  auditLogCommand,
  auditCheckpointCommand,
  auditExportCommand,
  auditSignaturesCommand,
  auditProveCommand,
  modelsCardCommand,
  usersAddCommand,
  usersListCommand,
  usersSetRoleCommand,
  usersResetPasswordCommand,
  usersChangePasswordCommand,
  signCommand,
  commentCommand,
  commentsCommand,
  errorsCommand,
  jobsListCommand,
  demoCommand,
  serveCommand,
  siteInitCommand,
  siteServeCommand,
  siteExportCommand,
  siteImportCommand,
  workerCommand,
  benchCommand,
].map(withProjectOption);
