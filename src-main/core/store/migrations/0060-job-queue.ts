/**
 * Jobs put on a site's job queue (Redis) rather than run by the engine that took them: `queue` names the queue
 * (NULL for a job run where it was started), `claim` is the token of the worker run that owns the job now (a
 * second worker cannot start or finish a job it does not own), and `cancel_requested` is how a desk's Cancel
 * reaches a worker on another machine, which watches its job's row.
 */
export const migration0060 = {
  version: 60,
  name: 'job-queue',
  sql: `
ALTER TABLE jobs ADD COLUMN queue TEXT;
ALTER TABLE jobs ADD COLUMN claim TEXT;
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_queue ON jobs(queue, created_at);
`,
};
