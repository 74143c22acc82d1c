import { z } from 'zod';
import { jobSpecSchema, jobViewSchema } from './jobs.js';
import { methodActions } from './jobs-methods.js';
import { imageActions } from './actions-images.js';
import { projectActions } from './actions-projects.js';
import { detectionActions } from './actions-detection.js';
import { userActions } from './actions-users.js';
import { fileActions } from './actions-files.js';
import { compareActions } from './actions-compare.js';
import { tryActions } from './actions-try.js';
import { validationResultSchema } from '../core/validate/validation-result-schema.js';

export type { StoredValidationResult } from '../core/validate/validation-result-schema.js';

const id = z.string().min(1).max(100);

/** Enough for a gallery page; a bigger request would move megabytes for nothing. */
export const MAX_SAMPLES_PER_REQUEST = 48;
const none = z.strictObject({});

const engineInfoSchema = z.object({
  version: z.string(),
  backend: z.string().nullable(),
  home: z.string(),
  /** Records bundled with Attest (MIT-BIH), offered by the import wizard. */
  sampleRecords: z.array(z.string()),
  architectures: z.array(
    z.object({ name: z.string(), description: z.string(), inputKinds: z.array(z.string()) }),
  ),
  suites: z.array(z.string()),
});

const datasetSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  projectId: z.string(),
  createdAt: z.string(),
  summary: z.record(z.string(), z.unknown()),
  groups: z.array(
    z.object({
      name: z.string(),
      split: z.string(),
      samples: z.number(),
      classCounts: z.record(z.string(), z.number()),
    }),
  ),
  /** The architecture `attest train` uses for it without --arch, and why; the training form preselects it. */
  recommendedArch: z.object({ arch: z.string(), reason: z.string() }).nullable().optional(),
});
export type DatasetView = z.infer<typeof datasetSchema>;

const measurementSchema = z.object({
  backend: z.string(),
  sizeBytes: z.number(),
  gzipBytes: z.number(),
  flops: z.number(),
  sparseFlops: z.number(),
  latencyMs: z.number(),
  batchedMsPerSample: z.number(),
  runs: z.number(),
  measuredAt: z.string(),
});
export type MeasurementView = z.infer<typeof measurementSchema>;

const modelSchema = z.object({
  id: z.string(),
  name: z.string(),
  arch: z.string(),
  datasetId: z.string().nullable(),
  parentId: z.string().nullable(),
  projectId: z.string(),
  recipe: z.string().nullable(),
  sizeBytes: z.number(),
  params: z.number(),
  nonzeroParams: z.number(),
  backend: z.string(),
  createdAt: z.string(),
  summary: z.record(z.string(), z.unknown()),
  /** The latest measurement (size, gzip, FLOPs, latency) on any backend; null until measured. */
  measurement: measurementSchema.nullable(),
  /**
   * For a model made elsewhere: its file, framework and format, whether ONNX Runtime alone runs it (and why), and
   * the suites that cannot run on it with the reason (core/validate/model-suite-status.ts); null for a trained one.
   */
  imported: z
    .object({
      fileName: z.string(),
      framework: z.string(),
      format: z.string(),
      runtimeOnly: z.object({ operator: z.string(), reason: z.string() }).nullable(),
      suitesNotRun: z.array(z.object({ suite: z.string(), reason: z.string() })),
    })
    .nullable()
    .optional(),
});
export type ModelView = z.infer<typeof modelSchema>;

/**
 * An object-detection validation (suites `object-detection*`) stores its own shapes, some under names a
 * classification suite also uses (`clean`, `disagreement`): its result is also carried as stored, in
 * `detectionResult`, for the detection pages, so that no part is dropped by a classification suite's schema.
 */
function withDetectionResult(row: unknown): unknown {
  if (typeof row !== 'object' || row === null) return row;
  const { suites, result } = row as { suites?: unknown; result?: unknown };
  const detection =
    Array.isArray(suites) &&
    suites.length > 0 &&
    suites.every((suite) => typeof suite === 'string' && suite.startsWith('object-detection'));
  return detection ? { ...row, detectionResult: result } : row;
}

const validationSchema = z.preprocess(
  withDetectionResult,
  z.object({
    id: z.string(),
    modelId: z.string(),
    datasetId: z.string(),
    split: z.string(),
    suites: z.array(z.string()),
    backend: z.string(),
    createdAt: z.string(),
    /** The stored result, each suite's part typed by its schema beside the suite (core/validate/*-schema.ts). */
    result: validationResultSchema,
    /** An object-detection validation's result as stored (core/pipelines/detect/). */
    detectionResult: z.record(z.string(), z.unknown()).optional(),
  }),
);
export type ValidationView = z.infer<typeof validationSchema>;

const auditEventSchema = z.object({
  seq: z.number(),
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  hash: z.string(),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;

const verificationSchema = z.object({
  ok: z.boolean(),
  events: z.number(),
  head: z.object({ seq: z.number(), hash: z.string() }).nullable(),
  artifactsChecked: z.number(),
  problems: z.array(z.object({ kind: z.string(), message: z.string(), seq: z.number().optional() })),
  /** The RFC 6962 Merkle tree head over the events, the signed checkpoints and the record signatures. */
  tree: z.object({ size: z.number(), root: z.string() }).optional(),
  checkpoints: z
    .object({
      count: z.number(),
      latest: z.object({ treeSize: z.number(), createdAt: z.string(), keyId: z.string() }).nullable(),
      eventsAfterLatest: z.number(),
    })
    .optional(),
  signatures: z.object({ count: z.number(), valid: z.number() }).optional(),
  warnings: z.array(z.string()).optional(),
});
export type VerificationView = z.infer<typeof verificationSchema>;

const samplesSchema = z.object({
  sampleShape: z.array(z.number()),
  classes: z.array(z.string()),
  samples: z.array(
    z.object({ index: z.number(), label: z.string(), group: z.string(), values: z.array(z.number()) }),
  ),
});
export type SamplesView = z.infer<typeof samplesSchema>;

const userSchema = z.object({ name: z.string(), printedName: z.string(), role: z.string() });
export type UserView = z.infer<typeof userSchema>;

const signatureSchema = z.object({
  id: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  recordSha256: z.string(),
  meaning: z.string(),
  userName: z.string(),
  printedName: z.string(),
  role: z.string(),
  reason: z.string().nullable(),
  signedAt: z.string(),
  /** Whether the signed record is still the version that was signed. */
  status: z.enum(['valid', 'record-changed', 'record-missing']),
});
export type SignatureView = z.infer<typeof signatureSchema>;

const stripSchema = z.object({
  record: z.string(),
  fs: z.number(),
  start: z.number(),
  duration: z.number(),
  totalSeconds: z.number(),
  samplesPerPoint: z.number(),
  times: z.array(z.number()),
  leads: z.array(
    z.object({
      name: z.string(),
      units: z.string(),
      values: z.array(z.number().nullable()).optional(),
      min: z.array(z.number().nullable()).optional(),
      max: z.array(z.number().nullable()).optional(),
    }),
  ),
  annotations: z.array(z.object({ time: z.number(), symbol: z.string(), aami: z.string().nullable() })),
  predictions: z
    .array(
      z.object({
        time: z.number(),
        truth: z.string(),
        predicted: z.string(),
        confidence: z.number(),
        correct: z.boolean(),
      }),
    )
    .optional(),
});
export type StripView = z.infer<typeof stripSchema>;

const exportSchema = z.object({ name: z.string(), bytes: z.number(), modifiedAt: z.string() });
export type ExportView = z.infer<typeof exportSchema>;

/**
 * Every action the UI may ask of the engine, by name, with its request and response schema. There is no
 * generic channel: a name not in this table is refused, and every payload is parsed before it is used.
 */
/** A reviewer's comment as the audit trail keeps it (core/audit/comments.ts). */
const commentSchema = z.object({
  eventSeq: z.number(),
  entityType: z.enum(['validation', 'model']),
  entityId: z.string(),
  actor: z.string(),
  at: z.string(),
  text: z.string(),
  recordSha256: z.string(),
});

export const ACTIONS = {
  'engine.info': { request: none, response: engineInfoSchema },
  'datasets.list': { request: none, response: z.object({ datasets: z.array(datasetSchema) }) },
  'models.list': { request: none, response: z.object({ models: z.array(modelSchema) }) },
  /** Model inputs of a few samples (as stored, preprocessed) for strips and thumbnails: the disagreement gallery. */
  'datasets.samples': {
    request: z.strictObject({
      datasetId: id,
      indices: z.array(z.number().int().min(0)).min(1).max(MAX_SAMPLES_PER_REQUEST),
    }),
    response: samplesSchema,
  },
  /** A strip of an imported ECG record with its annotations, and a model's beat predictions when asked. */
  'records.strip': {
    request: z.strictObject({
      datasetId: id,
      record: z.string().min(1).max(100),
      start: z.number().min(0),
      duration: z.number().min(0.5).max(600),
      points: z.number().int().min(10).max(5000).optional(),
      modelId: id.optional(),
    }),
    response: stripSchema,
  },
  'validations.list': {
    request: z.strictObject({ modelId: id.optional() }),
    response: z.object({ validations: z.array(validationSchema) }),
  },
  'audit.log': { request: none, response: z.object({ events: z.array(auditEventSchema) }) },
  'audit.verify': { request: none, response: verificationSchema },
  /** Signs the current Merkle tree head with the installation key, covering every event so far. */
  'audit.checkpoint': {
    request: none,
    response: z.object({
      treeSize: z.number(),
      rootHash: z.string(),
      createdAt: z.string(),
      keyId: z.string(),
    }),
  },
  'exports.list': { request: none, response: z.object({ exports: z.array(exportSchema) }) },
  /** Checks an exported audit bundle as a regulator would, with the verifier shipped inside it. */
  'exports.verify': {
    request: z.strictObject({ name: z.string().min(1).max(260) }),
    response: z.object({
      ok: z.boolean(),
      problems: z.array(z.object({ kind: z.string(), message: z.string() })),
      keyId: z.string().nullable(),
      events: z.number(),
      artifactsChecked: z.number(),
      signatures: z.object({ count: z.number(), valid: z.number() }),
      files: z.number(),
    }),
  },
  /** Whether accounts exist (then every change needs a signed-in user) and who is signed in on this session. */
  'session.status': {
    request: none,
    response: z.object({ usersExist: z.boolean(), user: userSchema.nullable() }),
  },
  'session.signIn': {
    request: z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
    response: z.object({ token: z.string(), user: userSchema, expiresAt: z.string() }),
  },
  'session.signOut': { request: none, response: z.object({ signedOut: z.boolean() }) },
  /** A reviewer's electronic signature: the password again, the meaning, and the record version it binds. */
  'records.sign': {
    request: z.strictObject({
      entityType: z.enum(['validation', 'model']),
      entityId: id,
      meaning: z.enum(['reviewed', 'approved', 'rejected']),
      password: z.string().min(1).max(1024),
      reason: z.string().max(2000).optional(),
    }),
    response: z.object({ signature: signatureSchema }),
  },
  'signatures.list': { request: none, response: z.object({ signatures: z.array(signatureSchema) }) },
  /**
   * What a split by record would put on each side, per AAMI class, read from the records' annotations before
   * anything is imported, with the importer's data-sufficiency warnings (the import wizard shows them).
   */
  'records.splitPreview': {
    request: z.strictObject({
      sampleRecords: z
        .array(z.string().regex(/^[A-Za-z0-9_-]{1,40}$/))
        .max(100)
        .optional(),
      paths: z.array(z.string().min(1).max(4096)).max(1000).optional(),
      split: z.string().min(1).max(400),
      seconds: z.number().min(1).max(1e6).optional(),
    }),
    response: z.object({
      records: z.array(z.object({ record: z.string(), classes: z.record(z.string(), z.number()) })),
      train: z.object({
        classes: z.record(z.string(), z.number()),
        groups: z.number(),
        records: z.array(z.string()),
      }),
      test: z.object({
        classes: z.record(z.string(), z.number()),
        groups: z.number(),
        records: z.array(z.string()),
      }),
      warnings: z.array(z.string()),
    }),
  },
  /** "Try it": one sample's answer with every class's probability and its Integrated Gradients attribution. */
  'models.explainSample': {
    /** The sample by its dataset index, or as a reviewer names it: the position-th (from 1) of a record. */
    request: z.union([
      z.strictObject({ modelId: id, datasetId: id, index: z.number().int().min(0) }),
      z.strictObject({
        modelId: id,
        datasetId: id,
        group: z.string().min(1).max(200),
        position: z.number().int().min(1),
      }),
    ]),
    response: z.object({
      index: z.number(),
      group: z.string(),
      label: z.string(),
      predicted: z.string(),
      probabilities: z.array(z.object({ label: z.string(), probability: z.number() })),
      sampleShape: z.array(z.number()),
      values: z.array(z.number()),
      attribution: z.array(z.number()).nullable(),
      completenessError: z.number().nullable(),
      attributionNote: z.string().optional(),
    }),
  },
  /** The error browser: the samples a model gets wrong on a dataset split, most confident mistakes first. */
  'models.errors': {
    request: z.strictObject({
      modelId: id,
      datasetId: id,
      trueClass: z.string().min(1).max(100).optional(),
      predictedClass: z.string().min(1).max(100).optional(),
      limit: z.number().int().min(1).max(500).optional(),
    }),
    response: z.object({
      classes: z.array(z.string()),
      samples: z.number(),
      wrong: z.number(),
      matching: z.number(),
      counts: z.record(z.string(), z.record(z.string(), z.number())),
      errors: z.array(
        z.object({
          index: z.number(),
          group: z.string(),
          label: z.string(),
          predicted: z.string(),
          confidence: z.number(),
          trueProbability: z.number(),
        }),
      ),
    }),
  },
  /** A reviewer's comment on a validation or a model: an audit event, printed in the report. */
  'records.comment': {
    request: z.strictObject({
      entityType: z.enum(['validation', 'model']),
      entityId: id,
      text: z.string().min(1).max(4000),
    }),
    response: z.object({ comment: commentSchema }),
  },
  'records.comments': {
    request: z.strictObject({ entityIds: z.array(id).max(1000).optional() }),
    response: z.object({ comments: z.array(commentSchema.extend({ onCurrentVersion: z.boolean() })) }),
  },
  /** Every job the store remembers, across sessions: a job cut off by a crash shows as interrupted. */
  'jobs.history': {
    request: none,
    response: z.object({
      jobs: z.array(
        z.object({
          id: z.string(),
          /** What the job did, naming models and datasets by their names. */
          title: z.string(),
          kind: z.string(),
          status: z.string(),
          progress: z.number(),
          message: z.string().nullable(),
          createdAt: z.string(),
          finishedAt: z.string().nullable(),
        }),
      ),
    }),
  },
  'jobs.list': { request: none, response: z.object({ jobs: z.array(jobViewSchema) }) },
  'jobs.start': { request: jobSpecSchema, response: z.object({ job: jobViewSchema }) },
  'jobs.cancel': { request: z.strictObject({ jobId: id }), response: z.object({ cancelled: z.boolean() }) },
  ...methodActions,
  ...imageActions,
  ...projectActions,
  ...detectionActions,
  ...userActions,
  ...fileActions,
  ...compareActions,
  ...tryActions,
} as const;

export type ActionName = keyof typeof ACTIONS;
export type ActionRequest<A extends ActionName> = z.input<(typeof ACTIONS)[A]['request']>;
export type ActionResponse<A extends ActionName> = z.infer<(typeof ACTIONS)[A]['response']>;

export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ACTIONS, name);
}
