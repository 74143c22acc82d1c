import { spawn, type ChildProcess } from 'node:child_process';
import { ATTEST_BIN } from '../helpers/run-cli.js';
import { call } from '../app/serve-helpers.js';
import type { RunningServer } from '../../src-main/server/serve.js';
import type { JobView } from '../../src-main/contract/index.js';

/** An `attest worker` process, as an operator starts one; its log and, once stopped, its JSON summary. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  log(): string;
  /** Ctrl-C: the worker finishes its jobs, prints its counts and exits. */
  stop(): Promise<{ code: number | null; summary: { jobs?: Record<string, number> } }>;
}

export function startWorker(
  home: string,
  url: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [ATTEST_BIN, 'worker', '--home', home, '--queue', url, '--json', ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      const before = stderr;
      stderr += chunk.toString();
      if (!before.includes('takes jobs from') && stderr.includes('takes jobs from'))
        resolve({
          child,
          pid: child.pid ?? 0,
          log: () => stderr,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
            // A worker finishes its running jobs first; one whose Redis is already gone (a test's cleanup) is
            // killed rather than waited for.
            const fallback = setTimeout(() => child.kill('SIGKILL'), 30_000);
            const code = await exited;
            clearTimeout(fallback);
            let summary: { jobs?: Record<string, number> } = {};
            try {
              summary = JSON.parse(stdout) as typeof summary;
            } catch {
              summary = {};
            }
            return { code, summary };
          },
        });
    });
    void exited.then((code) =>
      reject(new Error(`the worker exited (${code}) before it started:\n${stderr}`)),
    );
  });
}

/** A synthetic ECG import: the cheapest job that stores something (a dataset, with its audit events). */
export function syntheticJob(name: string, records: number, seconds: number) {
  return { kind: 'import-synthetic', name, records, seconds, seed: 1, split: 'records:1:0.34' };
}

export async function startJob(running: RunningServer, spec: unknown): Promise<JobView> {
  const answer = await call(running, 'jobs.start', spec);
  if (answer['ok'] !== true) throw new Error(`jobs.start refused: ${JSON.stringify(answer['error'])}`);
  return (answer['value'] as { job: JobView }).job;
}

export async function listJobViews(running: RunningServer): Promise<JobView[]> {
  return ((await call(running, 'jobs.list', {}))['value'] as { jobs: JobView[] }).jobs;
}

/** Asks the server until `done` holds for the job list (each answer is a fresh read of the store). */
export async function waitForJobs(
  running: RunningServer,
  done: (jobs: JobView[]) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<JobView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await listJobViews(running);
    if (done(jobs)) return jobs;
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what}: ${JSON.stringify(jobs, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
