/*
 * Compile-time checks that each suite's result, as its producer types it, is what its stored schema
 * (`*-schema.ts`) describes: a field added to a suite's result without its schema, or changed in type, fails the
 * build here instead of surfacing as a chart that silently shows nothing. No code runs from this file.
 */
import type { Conforms } from './metrics-schema.js';
import type { StoredCalibrationResult, StoredCleanResult } from './clean-suites-schema.js';
import type {
  StoredAttackSweep,
  StoredFgsmResult,
  StoredSweepsResult,
  StoredTransferResult,
} from './attack-suites-schema.js';
import type { StoredNoiseStressResult } from './noise-stress-schema.js';
import type { StoredCorruptionsResult } from './corruptions-suite-schema.js';
import type { StoredMutationDetectionResult } from './mutation-detection-schema.js';
import type { StoredMembershipResult } from './membership-suite-schema.js';
import type { StoredDisagreementResult } from './disagreement-suite-schema.js';
import type { StoredAttributionResult } from './attribution-suite-schema.js';
import type { StoredFinding, StoredPolicyResult } from './findings-schema.js';
import type { calibrationSuite, cleanSuite } from './clean-suites.js';
import type { fgsmSuiteOf, pgdSuite, sparseSuite, squareSuite, transferSuite } from './attack-suites.js';
import type { NoiseStressResult } from './noise-stress.js';
import type { corruptionsSuite } from './corruptions-suite.js';
import type { detectionSuite } from './detection-suite.js';
import type { membershipSuite } from './membership-suite.js';
import type { disagreementSuite } from './disagreement-suite.js';
import type { attributionSuite } from './attribution-suite.js';
import type { Finding } from './findings.js';
import type { PolicyResult } from './policy.js';

/** What a suite function returns, as stored (after its promise). */
type Out<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export type StoredResultsConform = [
  Conforms<Out<typeof cleanSuite>, StoredCleanResult>,
  Conforms<Out<typeof calibrationSuite>, StoredCalibrationResult>,
  Conforms<Out<typeof fgsmSuiteOf>, StoredFgsmResult>,
  Conforms<Out<typeof pgdSuite>, StoredSweepsResult>,
  Conforms<Out<typeof sparseSuite>, StoredSweepsResult>,
  Conforms<Out<typeof squareSuite>, StoredSweepsResult>,
  Conforms<Out<typeof pgdSuite>['sweeps'][number], StoredAttackSweep>,
  Conforms<Out<typeof transferSuite>, StoredTransferResult>,
  Conforms<NoiseStressResult, StoredNoiseStressResult>,
  Conforms<Out<typeof corruptionsSuite>, StoredCorruptionsResult>,
  Conforms<Out<typeof detectionSuite>, StoredMutationDetectionResult>,
  Conforms<Out<typeof membershipSuite>, StoredMembershipResult>,
  Conforms<Out<typeof disagreementSuite>, StoredDisagreementResult>,
  Conforms<Out<typeof attributionSuite>, StoredAttributionResult>,
  Conforms<Finding, StoredFinding>,
  Conforms<PolicyResult & { file?: string }, StoredPolicyResult>,
];
