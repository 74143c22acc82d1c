import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobQueue } from '../../src-main/server/dispatch/job-queue.js';
import { estimateRemainingSeconds } from '../../src-main/server/dispatch/remaining-time.js';
import { throwIfCancelled } from '../../src-main/core/jobs/job-context.js';
import { badInput } from '../../src-main/core/errors.js';
import type { EngineEvent, JobSpec, JobView } from '../../src-main/contract/index.js';

const spec = (modelId: string): JobSpec => ({ kind: 'report', modelId });

function lastState(events: EngineEvent[], id: string): JobView | undefined {
  const mine = events.filter(
    (e): e is Extract<EngineEvent, { type: 'job' }> => e.type === 'job' && e.job.id === id,
  );
  return mine.at(-1)?.job;
}

test('jobs run one at a time in order; failures carry their code; queued jobs cancel at once, running ones at their next check', async () => {
  const events: EngineEvent[] = [];
  const order: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const queue = new JobQueue(
    async (s, context) => {
      const id = s.kind === 'report' ? s.modelId : '';
      order.push(id);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        for (let step = 1; step <= 5; step++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          throwIfCancelled(context.signal);
          context.progress(step / 5, `step ${step}`);
        }
        if (id === 'bad') throw badInput('this model cannot be reported', '/tmp/x.html');
        return { id };
      } finally {
        concurrent--;
      }
    },
    (e) => events.push(e),
  );
  const a = queue.enqueue(spec('a'), 'A');
  const bad = queue.enqueue(spec('bad'), 'Bad');
  const c = queue.enqueue(spec('c'), 'C');
  const d = queue.enqueue(spec('d'), 'D');
  assert.equal(queue.cancel(d.id), true);
  assert.equal(lastState(events, d.id)?.state, 'cancelled');
  await new Promise((resolve) => setTimeout(resolve, 60));
  queue.cancel(c.id);
  await queue.idle();
  assert.equal(maxConcurrent, 1);
  assert.deepEqual(order.slice(0, 2), ['a', 'bad']);
  assert.equal(lastState(events, a.id)?.state, 'succeeded');
  assert.deepEqual(lastState(events, a.id)?.result, { id: 'a' });
  assert.equal(lastState(events, a.id)?.fraction, 1);
  assert.equal(lastState(events, bad.id)?.state, 'failed');
  assert.deepEqual(lastState(events, bad.id)?.error, {
    code: 'BAD_INPUT',
    message: '/tmp/x.html: this model cannot be reported',
  });
  assert.equal(lastState(events, c.id)?.state, 'cancelled');
  assert.equal(queue.cancel(a.id), false, 'a finished job cannot be cancelled');
  assert.throws(() => queue.cancel('q-none'), /no job with id q-none/);
  assert.deepEqual(
    queue.list().map((j) => j.state),
    ['succeeded', 'failed', 'cancelled', 'cancelled'],
  );
});

test('time remaining is a straight-line estimate, withheld until there is progress to go on', () => {
  assert.equal(estimateRemainingSeconds(10_000, 0.01), null);
  assert.equal(estimateRemainingSeconds(500, 0.5), null);
  assert.equal(estimateRemainingSeconds(10_000, 0.25), 30);
  assert.equal(estimateRemainingSeconds(60_000, 0.5), 60);
  assert.equal(estimateRemainingSeconds(60_000, 1), null);
  assert.equal(estimateRemainingSeconds(60_000, Number.NaN), null);
});
