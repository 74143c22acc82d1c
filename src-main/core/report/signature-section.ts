import type { ReportData } from './report-data.js';
import { escapeHtml, table } from './html.js';

/** The electronic signatures of the model and of its validations, with whether each record is unchanged. */
export function signatureSection(data: ReportData): string {
  if (data.signatures.length === 0)
    return '<p class="muted">No electronic signature yet (a reviewer signs with <code>attest --user NAME sign</code>).</p>';
  return [
    table(
      ['Meaning', 'Printed name', 'User (role)', 'Signed (UTC)', 'Record', 'Record SHA-256', 'Status'],
      data.signatures.map((s) => [
        s.meaning.toUpperCase(),
        s.printedName,
        `${s.userName} (${s.role})`,
        s.signedAt,
        `${s.entityType} ${s.entityId}`,
        s.recordSha256,
        s.status === 'valid'
          ? 'valid: the record is the version signed'
          : s.status === 'record-changed'
            ? 'INVALID: the record changed after signing'
            : 'INVALID: the record no longer exists',
      ]),
    ),
    ...data.signatures
      .filter((s) => s.reason !== null)
      .map(
        (s) =>
          `<p class="muted">${escapeHtml(s.printedName)}, ${escapeHtml(s.meaning)}: ${escapeHtml(s.reason)}</p>`,
      ),
    '<p class="muted">Each signature binds the SHA-256 of the canonical version of the signed record; the user name and password were entered at signing (21 CFR 11.50, 11.200).</p>',
  ].join('\n');
}
