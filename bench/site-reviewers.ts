import type { SiteHttp } from './site-http.js';

/*
 * Simulated reviewers for the site bench: each signed in with an account of their own and, until told to stop,
 * goes round what a reviewer does at a desk: the lists (datasets, models, jobs, signatures), the verification of
 * the audit trail (every fourth round: it re-hashes every artifact) and an electronic signature of the model or
 * its validation (the password again). Every successful signature is counted, so that the bench can check that
 * each one is in the audit trail.
 */

export interface ReviewerTally {
  rounds: number;
  signed: number;
  refused: { action: string; message: string }[];
}

export async function runReviewer(
  http: SiteHttp,
  account: { name: string; password: string; session: string },
  records: { modelId: string; validationId: string },
  stop: { done: boolean },
): Promise<ReviewerTally> {
  const session = account.session;
  const tally: ReviewerTally = { rounds: 0, signed: 0, refused: [] };
  const expect = async (action: string, payload: unknown): Promise<boolean> => {
    const answer = await http.call(action, payload, session);
    if (!answer.ok) tally.refused.push({ action, message: answer.error?.message ?? '?' });
    return answer.ok;
  };
  while (!stop.done) {
    await expect('datasets.list', {});
    await expect('models.list', {});
    await expect('jobs.list', {});
    await expect('signatures.list', {});
    if (tally.rounds % 4 === 0) await expect('audit.verify', {});
    const onModel = tally.rounds % 2 === 0;
    const signed = await expect('records.sign', {
      entityType: onModel ? 'model' : 'validation',
      entityId: onModel ? records.modelId : records.validationId,
      meaning: 'reviewed',
      password: account.password,
    });
    if (signed) tally.signed++;
    tally.rounds++;
  }
  return tally;
}
