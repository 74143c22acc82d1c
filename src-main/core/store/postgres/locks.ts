/*
 * PostgreSQL advisory lock keys (one namespace per database): what must happen one at a time across every
 * process that writes to the site store. Taken with pg_advisory_xact_lock, they are released with the
 * transaction, also when the connection drops.
 */

/** Applying migrations: a second process waits, then finds nothing left to do. */
export const MIGRATION_LOCK = 0x41545354_01;

/** Appending an audit event: the head is read and the next event written under it, so the chain stays linear. */
export const AUDIT_APPEND_LOCK = 0x41545354_02;
