import { hostname } from 'node:os';
import type { Command } from '../command.js';
import { setProcessDesk } from '../../core/audit/log.js';
import { readSiteConfig } from '../site-config.js';
import { badInput } from '../../core/errors.js';
import { Workspace } from '../../core/store/workspace.js';
import { startQueueWorker } from '../../server/queue/queue-worker.js';
import { redisConnection, redisPlace } from '../../server/queue/redis-connection.js';

export const workerCommand: Command = {
  path: ['worker'],
  usage:
    'worker --config FILE.json | --queue redis://HOST:PORT [--store postgres://...] [--artifacts DIR] [--concurrency N] [--lock-seconds S] [--json]',
  summary:
    'Run jobs from the site job queue (started by `attest serve --queue` or `attest site serve`) on this machine until Ctrl-C; reads the same --config as `attest site serve`',
  async run({ options, out, signal, home, store }) {
    const config =
      options.string('config') !== undefined ? readSiteConfig(options, store, home, false) : undefined;
    const url = config?.queue ?? options.string('queue');
    const storeUrl = config?.store ?? store;
    const artifacts = config?.artifacts ?? options.string('artifacts');
    const concurrency = options.number('concurrency', { min: 1, max: 64, integer: true }) ?? 1;
    const lockSeconds = options.number('lock-seconds', { min: 1, max: 3600 }) ?? 30;
    options.rejectUnknown();
    if (url === undefined)
      throw badInput('worker: give the job queue with --queue redis://HOST:PORT or --config FILE');
    redisConnection(url);
    // The worker runs each job as the user who started it (the queue carries the name), so it signs nobody in
    // itself: the home is opened without the --user check of commands that change it. On a site, the events it
    // appends name this machine as their desk.
    if (storeUrl !== undefined) setProcessDesk(`worker:${hostname()}`);
    const workspace =
      storeUrl !== undefined
        ? Workspace.openOnPostgres(storeUrl, config?.home ?? home, artifacts)
        : Workspace.open(home);
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
