/**
 * Projects group datasets and models (and through the models their validations and reports). Membership lives
 * in tables of its own rather than in a column of `models`: a model's signed record version is the whole row,
 * and moving a model between projects must not change what a reviewer signed. Rows that have no membership
 * belong to the default project (every dataset and model from before projects existed); a model without one
 * follows its parent, then the dataset it was trained on (see core/projects/project-membership.ts).
 */
export const migration0050 = {
  version: 50,
  name: 'projects',
  sql: `
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  created_at TEXT NOT NULL
);

INSERT INTO projects (id, name, created_at)
VALUES ('prj-default', 'Default project', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE project_datasets (
  dataset_id TEXT PRIMARY KEY REFERENCES datasets(id),
  project_id TEXT NOT NULL REFERENCES projects(id),
  assigned_at TEXT NOT NULL
);
CREATE INDEX project_datasets_project ON project_datasets(project_id);

CREATE TABLE project_models (
  model_id TEXT PRIMARY KEY REFERENCES models(id),
  project_id TEXT NOT NULL REFERENCES projects(id),
  assigned_at TEXT NOT NULL
);
CREATE INDEX project_models_project ON project_models(project_id);

-- A project holds evidence: it is renamed, never removed.
CREATE TRIGGER projects_no_delete BEFORE DELETE ON projects
BEGIN SELECT RAISE(ABORT, 'projects are never deleted'); END;
`,
};
