import type { ReportData } from './report-data.js';
import { escapeHtml } from './html.js';

/** The electronic signatures of the model and of its validations, with whether each record is unchanged. */
export function signatureSection(data: ReportData): string {
  if (data.signatures.length === 0)
    return '<p class="muted">No electronic signature yet (a reviewer signs with <code>attest --user NAME sign</code>).</p>';
  // One block per signature, as it would be printed and filed: the hash wraps instead of widening the page.
  const row = (label: string, value: string): string =>
    `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
  const status = (s: ReportData['signatures'][number]): string =>
    s.status === 'valid'
      ? '<span class="ok">valid: the record is the version signed</span>'
      : `<span class="bad">INVALID: ${s.status === 'record-changed' ? 'the record changed after signing' : 'the record no longer exists'}</span>`;
  return [
    ...data.signatures.map(
      (s) =>
        `<table>${[
          row('Meaning', `<b>${escapeHtml(s.meaning.toUpperCase())}</b>`),
          row('Printed name', escapeHtml(s.printedName)),
          row('User (role)', `${escapeHtml(s.userName)} (${escapeHtml(s.role)})`),
          row('Signed (UTC)', escapeHtml(s.signedAt)),
          row('Record', `${escapeHtml(s.entityType)} ${escapeHtml(s.entityId)}`),
          row('Record SHA-256', `<span class="hash">${escapeHtml(s.recordSha256)}</span>`),
          row('Status', status(s)),
          ...(s.reason !== null ? [row('Reason', escapeHtml(s.reason))] : []),
        ].join('')}</table>`,
    ),
    '<p class="muted">Each signature binds the SHA-256 of the canonical version of the signed record; the user name and password were entered at signing (21 CFR 11.50, 11.200).</p>',
  ].join('\n');
}

/** Reviewers' comments, oldest first, each with its author, time and record; they are audit events. */
export function commentSection(data: ReportData): string {
  if (data.comments.length === 0)
    return '<p class="muted">No comment (a reviewer adds one from the results page or with <code>attest comment</code>).</p>';
  return data.comments
    .map(
      (c) =>
        `<blockquote><p>${escapeHtml(c.text).replace(/\n/g, '<br>')}</p><p class="muted">${escapeHtml(c.actor)}, ${escapeHtml(c.at)} UTC, on ${escapeHtml(c.entityType)} ${escapeHtml(c.entityId)} (audit event ${c.eventSeq})${c.onCurrentVersion ? '' : ' <span class="warn">written on an earlier version of the record</span>'}</p></blockquote>`,
    )
    .join('\n');
}
