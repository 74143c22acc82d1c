import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { EngineHostClient, type HostProcess } from '../../src-main/server/dispatch/host-client.js';
import type { EngineEvent } from '../../src-main/contract/index.js';

/** An in-memory host: answers requests by echoing the action, or dies on demand. */
class ScriptedHost implements HostProcess {
  readonly pid = 4242;
  private readonly emitter = new EventEmitter();
  constructor(private readonly behaviour: 'ready' | 'die-at-start' | 'silent') {
    setTimeout(() => {
      if (behaviour === 'ready') this.emitter.emit('message', { type: 'ready' });
      if (behaviour === 'die-at-start') this.exit(1);
    }, 1);
  }
  postMessage(message: unknown): void {
    if (this.behaviour !== 'ready') return;
    const m = message as { id: number; action: string };
    if (m.action === 'hang') return;
    setTimeout(
      () =>
        this.emitter.emit('message', { type: 'response', id: m.id, result: { ok: true, value: m.action } }),
      1,
    );
  }
  onMessage(listener: (message: unknown) => void): void {
    this.emitter.on('message', listener);
  }
  onExit(listener: (code: number | null) => void): void {
    this.emitter.on('exit', listener);
  }
  kill(): void {
    this.exit(null);
  }
  exit(code: number | null): void {
    this.emitter.emit('exit', code);
  }
  emitEvent(event: unknown): void {
    this.emitter.emit('message', { type: 'event', event });
  }
}

test('a host that cannot start is not restarted in a loop, and requests get an error instead of hanging', async () => {
  let spawned = 0;
  const client = new EngineHostClient(() => {
    spawned++;
    return new ScriptedHost('die-at-start');
  });
  await assert.rejects(client.start(), /could not start/);
  const result = await client.request('engine.info', {});
  assert.equal(result.ok, false);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(spawned, 2, 'one attempt at start, one for the request, none by itself');
});

test('a host that dies resolves pending requests with an error, fails its running jobs and is replaced', async () => {
  const hosts: ScriptedHost[] = [];
  const client = new EngineHostClient(() => {
    const host = new ScriptedHost('ready');
    hosts.push(host);
    return host;
  });
  const events: EngineEvent[] = [];
  client.onEvent((e) => events.push(e));
  await client.start();
  assert.deepEqual(await client.request('models.list', {}), { ok: true, value: 'models.list' });
  const job = {
    id: 'q-1',
    kind: 'train',
    title: 'Train',
    state: 'running',
    fraction: 0.3,
    message: 'epoch 1/3',
    queuedAt: 1,
    startedAt: 2,
    finishedAt: null,
    remainingSeconds: 10,
  };
  hosts[0]?.emitEvent({ type: 'job', job });
  hosts[0]?.emitEvent({ type: 'job', job: { nonsense: true } });
  const pending = client.request('hang', {});
  await new Promise((resolve) => setTimeout(resolve, 5));
  hosts[0]?.exit(137);
  const answer = await pending;
  assert.equal(answer.ok, false);
  assert.match(answer.ok ? '' : answer.error.message, /stopped unexpectedly \(exit code 137\)/);
  const failed = events.filter((e) => e.type === 'job').at(-1);
  assert.equal(failed?.type === 'job' ? failed.job.state : '', 'failed');
  assert.ok(events.some((e) => e.type === 'engine.crashed'));
  assert.equal(events.filter((e) => e.type === 'job').length, 2, 'the malformed event was dropped');
  assert.deepEqual(await client.request('audit.log', {}), { ok: true, value: 'audit.log' });
  assert.equal(hosts.length, 2);
  await client.close();
  assert.equal((await client.request('audit.log', {})).ok, false);
});
