/**
 * Accountability: local user accounts with a role and an scrypt password hash, sign-in sessions that time out,
 * electronic signatures bound to the SHA-256 of the record version they sign, and the installation keys and
 * signed checkpoints (Merkle tree heads) that make the audit trail tamper-evident.
 */
export const migration0020 = {
  version: 20,
  name: 'users-signatures',
  sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  printed_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('operator', 'reviewer', 'administrator')),
  password_hash TEXT NOT NULL,
  password_changed_at TEXT NOT NULL,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

-- Only the SHA-256 of a session token is kept: a copy of the database does not hand out live sessions.
CREATE TABLE sessions (
  token_sha256 TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE signatures (
  id TEXT PRIMARY KEY,
  entity_type TEXT NOT NULL CHECK (entity_type IN ('validation', 'model')),
  entity_id TEXT NOT NULL,
  record_sha256 TEXT NOT NULL,
  meaning TEXT NOT NULL CHECK (meaning IN ('reviewed', 'approved', 'rejected')),
  user_id TEXT NOT NULL REFERENCES users(id),
  user_name TEXT NOT NULL,
  printed_name TEXT NOT NULL,
  role TEXT NOT NULL,
  reason TEXT,
  signed_at TEXT NOT NULL,
  event_id TEXT NOT NULL
);
CREATE INDEX signatures_entity ON signatures(entity_id);

CREATE TABLE audit_keys (
  key_id TEXT PRIMARY KEY,
  algorithm TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE audit_checkpoints (
  id INTEGER PRIMARY KEY,
  tree_size INTEGER NOT NULL,
  root_hash TEXT NOT NULL,
  head_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  key_id TEXT NOT NULL REFERENCES audit_keys(key_id),
  signature TEXT NOT NULL
);

CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER audit_keys_no_update BEFORE UPDATE ON audit_keys
BEGIN SELECT RAISE(ABORT, 'installation keys are append-only'); END;
CREATE TRIGGER audit_keys_no_delete BEFORE DELETE ON audit_keys
BEGIN SELECT RAISE(ABORT, 'installation keys are append-only'); END;
`,
};
