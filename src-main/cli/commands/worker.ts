import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { Workspace } from '../../core/store/workspace.js';
import { startQueueWorker } from '../../server/queue/queue-worker.js';
import { redisConnection, redisPlace } from '../../server/queue/redis-connection.js';

export const workerCommand: Command = {
  path: ['worker'],
  usage:
    'worker --queue redis://HOST:PORT [--store postgres://...] [--concurrency N] [--lock-seconds S] [--json]',
  summary:
    "Run jobs from the site job queue (started by `attest serve --queue`) on this machine until Ctrl-C; the home must be the server's",
  async run({ options, out, signal, home, store }) {
    const url = options.string('queue');
    const concurrency = options.number('concurrency', { min: 1, max: 64, integer: true }) ?? 1;
    const lockSeconds = options.number('lock-seconds', { min: 1, max: 3600 }) ?? 30;
    options.rejectUnknown();
    if (url === undefined) throw badInput('worker: give the job queue with --queue redis://HOST:PORT');
    redisConnection(url);
    // The worker runs each job as the user who started it (the queue carries the name), so it signs nobody in
    // itself: the home is opened without the --user check of commands that change it.
    const workspace = store !== undefined ? Workspace.openOnPostgres(store, home) : Workspace.open(home);
    try {
      const worker = await startQueueWorker(workspace, {
        url,
        concurrency,
        lockMs: Math.round(lockSeconds * 1000),
        log: (message) => out.log(message),
      });
      out.log(
        `worker ${process.pid} takes jobs from ${redisPlace(url)} (${concurrency} at a time); Ctrl-C stops it`,
      );
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      out.log(
        'stopping: the jobs running here finish first (Ctrl-C again quits at once; the queue then hands them to another worker)',
      );
      await worker.close();
      out.result(
        { stopped: true, jobs: worker.counts },
        () => `worker stopped; jobs: ${JSON.stringify(worker.counts)}`,
      );
    } finally {
      workspace.close();
    }
  },
};
