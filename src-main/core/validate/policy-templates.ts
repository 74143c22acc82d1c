import { badInput } from '../errors.js';
import { policySchema, type Policy } from './policy-schema.js';

/**
 * Starting points for a reviewer's acceptance criteria, one per domain; `attest policy template NAME` prints one
 * to edit. The limits are examples a reviewer must confirm for the intended use, not recommendations.
 */
export const POLICY_TEMPLATES = {
  /**
   * ECG beat classification after ANSI/AAMI EC57: sensitivity (Se) and positive predictivity (+P) of
   * ventricular (V) and supraventricular (S) ectopic beats, gross (pooled over beats) and averaged over records.
   */
  'ecg-aami': {
    name: 'ECG beat classification after ANSI/AAMI EC57',
    description:
      'Se and +P of ventricular (V) and supraventricular (S) ectopic beats, gross and averaged over records; enough test records per class; calibration and noise robustness. Confirm every limit for the intended use.',
    classCriteria: [
      { class: 'V', metric: 'sensitivity', pooling: 'gross', min: 0.85 },
      { class: 'V', metric: 'positivePredictivity', pooling: 'gross', min: 0.85 },
      { class: 'V', metric: 'sensitivity', pooling: 'average', min: 0.8 },
      { class: 'V', metric: 'positivePredictivity', pooling: 'average', min: 0.8 },
      { class: 'S', metric: 'sensitivity', pooling: 'gross', min: 0.6 },
      { class: 'S', metric: 'positivePredictivity', pooling: 'gross', min: 0.5 },
      { class: 'S', metric: 'sensitivity', pooling: 'average', min: 0.5 },
      { class: 'S', metric: 'positivePredictivity', pooling: 'average', min: 0.4 },
    ],
    minTestRecords: 5,
    minTestRecordsPerClass: { V: 5, S: 5 },
    minTestSamplesPerClass: { V: 30, S: 30 },
    maxEce: 0.1,
    minRobustAccuracy: [{ suite: 'noise', snrDb: 12, minAccuracy: 0.8 }],
  },
  /** Mammography or screening: sensitivity at a fixed specificity, AUC with its interval. */
  mammography: {
    name: 'Mammography screening',
    description:
      'Sensitivity to each finding at 90% specificity and AUC with its interval; enough patients per class. Confirm every limit for the intended use.',
    sensitivityAtSpecificity: [
      { class: 'calcification', specificity: 0.9, minSensitivity: 0.8 },
      { class: 'mass', specificity: 0.9, minSensitivity: 0.8 },
    ],
    classCriteria: [
      { class: 'calcification', metric: 'auc', min: 0.85 },
      { class: 'mass', metric: 'auc', min: 0.85 },
    ],
    minTestRecords: 5,
    minTestSamplesPerClass: 30,
    maxEce: 0.1,
  },
  /** Inspection: average precision per defect class. */
  inspection: {
    name: 'Visual inspection',
    description:
      'Average precision of the defect class, its sensitivity and positive predictivity; enough test flights. Confirm every limit for the intended use.',
    classCriteria: [
      { class: 'defect', metric: 'ap', min: 0.8 },
      { class: 'defect', metric: 'sensitivity', min: 0.8 },
      { class: 'defect', metric: 'positivePredictivity', min: 0.7 },
    ],
    minTestRecords: 5,
    minTestSamplesPerClass: { defect: 30 },
  },
} satisfies Record<string, Policy>;

export type PolicyTemplateName = keyof typeof POLICY_TEMPLATES;
export const POLICY_TEMPLATE_NAMES = Object.keys(POLICY_TEMPLATES) as PolicyTemplateName[];

export function policyTemplate(name: string): Policy {
  if (!(POLICY_TEMPLATE_NAMES as string[]).includes(name))
    throw badInput(`unknown policy template "${name}"; available: ${POLICY_TEMPLATE_NAMES.join(', ')}`);
  // Parsed, so a template can never drift from the format a policy file must follow.
  return policySchema.parse(POLICY_TEMPLATES[name as PolicyTemplateName]);
}

/** The template that fits a dataset kind, for the demo and the UI's default. */
export function templateForDataset(kind: string, classes: string[]): PolicyTemplateName | undefined {
  if (kind === 'ecg-beats') return 'ecg-aami';
  if (classes.includes('calcification') || classes.includes('mass')) return 'mammography';
  if (classes.includes('defect')) return 'inspection';
  return undefined;
}
