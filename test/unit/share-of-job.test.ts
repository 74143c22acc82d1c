import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shareOfJob } from '../../src-main/core/jobs/share-of-job.js';

test("a part's own progress moves the job's bar over the part's share only, naming the part", () => {
  const seen: [number, string][] = [];
  const job = {
    signal: new AbortController().signal,
    progress: (f: number, m: string) => seen.push([f, m]),
    log: () => undefined,
  };
  const second = shareOfJob(job, 1, 4, 'suite noise (2/4)');
  second.progress(0, '');
  second.progress(0.5, 'SNR 6 dB');
  second.progress(1, 'done');
  second.progress(7, 'beyond the end');
  assert.deepEqual(seen, [
    [0.25, 'suite noise (2/4)'],
    [0.375, 'suite noise (2/4): SNR 6 dB'],
    [0.5, 'suite noise (2/4): done'],
    [0.5, 'suite noise (2/4): beyond the end'],
  ]);
  assert.equal(second.signal, job.signal, 'a cancel reaches the part');
});
