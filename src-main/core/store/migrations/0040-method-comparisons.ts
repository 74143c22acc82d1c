/**
 * Comparisons of training methods against the plain baseline (learning-rate policies, semi-supervised training,
 * low-bit training, activation sparsity, attribution stability, membership defence, augmentation): one row per
 * comparison with its parameters and result, and one link per model taking part, so that the report of a model
 * finds every comparison it is in, and the UI can show a comparison long after the job that ran it.
 */
export const migration0040 = {
  version: 40,
  name: 'method-comparisons',
  sql: `
CREATE TABLE method_comparisons (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  dataset_id TEXT REFERENCES datasets(id),
  params_json TEXT NOT NULL,
  result_json TEXT NOT NULL,
  backend TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX method_comparisons_dataset ON method_comparisons(dataset_id, created_at);

CREATE TABLE method_comparison_models (
  comparison_id TEXT NOT NULL REFERENCES method_comparisons(id),
  model_id TEXT NOT NULL REFERENCES models(id),
  role TEXT NOT NULL,
  PRIMARY KEY (comparison_id, model_id, role)
);
CREATE INDEX method_comparison_models_model ON method_comparison_models(model_id);
`,
};
