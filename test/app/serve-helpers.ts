import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../../src-main/contract/index.js';
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

/** Reads the SSE stream, collecting events, until `until` says enough or the time runs out. */
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
      const { value, done } = await reader.read();
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
