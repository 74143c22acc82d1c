import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { addUser } from '../../src-main/core/audit/users.js';
import { runAsActor } from '../../src-main/core/audit/log.js';
import { verifyAuditTrail } from '../../src-main/core/audit/verify.js';
import { gatherReportData } from '../../src-main/core/report/report-data.js';
import { renderModelReport } from '../../src-main/core/report/model-report.js';
import { renderModelReportPdf } from '../../src-main/core/report/pdf-report.js';
import { tempHome } from '../helpers/temp-home.js';
import { seedRecords } from './fixtures.js';
import { attest } from './cli-run.js';
import { pdfPagesText } from './pdf-text.js';

/*
 * Reviewers' comments are audit events: written by a signed-in user, refused for a record that does not exist
 * or for bad text (nothing stored), listed oldest first, marked when the record changed after them, printed in
 * the HTML and PDF reports (escaped), and covered by the verified chain.
 */

test('a comment is kept in the trail with its author and record version, and printed (escaped) in both reports', async () => {
  const home = tempHome('comments');
  try {
    const ws = Workspace.open(home.dir);
    const ids = seedRecords(ws);
    addUser(ws.db, {
      name: 'alice',
      printedName: 'Alice Admin',
      role: 'administrator',
      password: 'admin-secret-1',
    });
    runAsActor('user:alice', () =>
      addUser(ws.db, {
        name: 'rita',
        printedName: 'Dr. Rita',
        role: 'reviewer',
        password: 'reviewer-secret-2',
      }),
    );
    ws.close();
    const h = ['--home', home.dir];
    const asRita = { stdin: 'reviewer-secret-2\n' };
    const text = 'Sensitivity for V is <b>below</b> our limit;\nre-run with records 208 & 233.';

    const anonymous = await attest([
      ...h,
      'comment',
      '--validation',
      ids.validationId,
      '--text',
      'hi',
      '--json',
    ]);
    assert.equal(anonymous.code, 2, anonymous.stdout);
    const added = await attest(
      [...h, '--user', 'rita', 'comment', '--validation', ids.validationId, '--text', text, '--json'],
      asRita,
    );
    assert.equal(added.code, 0, added.stdout + added.stderr);
    const comment = added.json['comment'] as Record<string, unknown>;
    assert.equal(comment['actor'], 'user:rita');
    assert.equal(comment['text'], text);

    // Refused, nothing stored: an unknown record, empty text, a control character, too long a text.
    for (const [target, bad] of [
      [['--validation', 'val-nope'], 'fine'],
      [['--validation', ids.validationId], '   '],
      [['--model', ids.modelId], 'bell\u0007'],
      [['--model', ids.modelId], 'x'.repeat(4001)],
    ] as const) {
      const refused = await attest(
        [...h, '--user', 'rita', 'comment', ...target, '--text', bad, '--json'],
        asRita,
      );
      assert.notEqual(refused.code, 0, `accepted ${JSON.stringify(bad.slice(0, 20))}`);
      assert.notEqual(refused.code, 1, refused.stderr);
    }
    const listed = await attest([...h, 'comments', '--validation', ids.validationId, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const comments = listed.json['comments'] as Record<string, unknown>[];
    assert.equal(comments.length, 1);
    assert.equal(comments[0]?.['onCurrentVersion'], true);
    assert.equal(
      (await attest([...h, 'comments', '--model', ids.modelId, '--json'])).json['comments']?.toString(),
      '',
    );

    const again = Workspace.open(home.dir);
    try {
      assert.equal(verifyAuditTrail(again).ok, true);
      const data = gatherReportData(again, ids.modelId);
      assert.equal(data.comments.length, 1);
      const html = renderModelReport(data);
      assert.match(html, /Reviewer comments/);
      assert.ok(
        html.includes(
          'Sensitivity for V is &lt;b&gt;below&lt;/b&gt; our limit;<br>re-run with records 208 &amp; 233.',
        ),
      );
      assert.ok(!html.includes('<b>below</b>'), 'the comment was not escaped');
      const pdf = await pdfPagesText(await renderModelReportPdf(data));
      assert.match(pdf.text, /Sensitivity for V is <b>below<\/b> our limit;/);
      assert.match(pdf.text, /user:rita, .* UTC, on validation val-000000000001/);

      // A change of the record after the comment is shown beside it.
      again.db.exec(`DROP TRIGGER IF EXISTS validations_no_update`);
      again.db.prepare(`UPDATE validations SET result_json = '{}' WHERE id = ?`).run(ids.validationId);
      const changed = gatherReportData(again, ids.modelId);
      assert.equal(changed.comments[0]?.onCurrentVersion, false);
      assert.match(renderModelReport(changed), /written on an earlier version of the record/);
    } finally {
      again.close();
    }
  } finally {
    home.cleanup();
  }
});
