import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent, JobView } from '../../src-main/contract/index.js';
import type { RunningServer } from '../../src-main/server/serve.js';

/** A stand-in for the built UI: the server tests exercise the transport, not the Svelte app. */
export function fakeRenderer(root: string): string {
  const dir = join(root, 'renderer');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Attest test</title><script src="assets/app.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("ui")');
  return dir;
}

export async function call(
  running: RunningServer,
  action: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${running.port}/api/call/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${running.token}` },
    body: JSON.stringify(payload),
  });
  return (await response.json()) as Record<string, unknown>;
}

/**
 * Reads until `done` holds, every 50 ms; after `timeoutMs` fails naming what it waited for and the last value
 * read, so a job that never ends fails the test with its state instead of hanging the run.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `gave up after ${timeoutMs / 1000} s waiting for ${what}; last read: ${JSON.stringify(value)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A job's view as the server lists it, once it has ended (succeeded, failed or cancelled). */
export function waitForJobEnd(running: RunningServer, id: string, what: string): Promise<JobView> {
  return pollUntil(
    async () =>
      ((await call(running, 'jobs.list', {}))['value'] as { jobs: JobView[] }).jobs.find((j) => j.id === id),
    (job) => job !== undefined && job.state !== 'queued' && job.state !== 'running',
    what,
  ) as Promise<JobView>;
}

/** Reads the SSE stream, collecting events, until `until` says enough; fails when the time runs out first. */
export async function collectEvents(
  running: RunningServer,
  until: (events: EngineEvent[]) => boolean,
  afterConnect: () => Promise<void>,
  timeoutMs = 120_000,
): Promise<EngineEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(`http://127.0.0.1:${running.port}/api/events`, {
    headers: { Authorization: `Bearer ${running.token}` },
    signal: controller.signal,
  });
  const events: EngineEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  await afterConnect();
  try {
    while (!until(events)) {
      // The time limit aborts the stream: the test then fails saying what it saw, not with a bare AbortError.
      const { value, done } = await reader.read().catch((error: unknown) => {
        if (!controller.signal.aborted) throw error;
        const seen = events.map((e) => e.type).join(', ') || 'none';
        throw new Error(`gave up after ${timeoutMs / 1000} s waiting for events; got ${seen}`);
      });
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.startsWith('data: ')) events.push(JSON.parse(frame.slice(6)) as EngineEvent);
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}
