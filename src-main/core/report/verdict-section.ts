import type { ValidationRow } from '../store/validations.js';
import type { Finding } from '../validate/findings.js';
import type { GateResult, Verdict } from '../validate/policy.js';
import { escapeHtml, formatNumber, formatPercent, table } from './html.js';
import type { PdfWriter } from './pdf-layout.js';

/**
 * What a report opens with: per validation, the verdict of its acceptance criteria (when a policy was applied)
 * and its automatic findings, most severe first. Older validations stored before findings existed have none.
 */
interface StoredPolicy {
  name: string | null;
  pass: boolean;
  verdict?: Verdict;
  file?: string;
  gates: (GateResult & { status?: GateResult['status'] })[];
}

export interface ValidationVerdict {
  validation: ValidationRow;
  verdict: Verdict | null;
  policyName: string | null;
  gates: GateResult[];
  findings: Finding[];
}

export function validationVerdict(validation: ValidationRow): ValidationVerdict {
  const policy = validation.result['policy'] as StoredPolicy | undefined;
  const gates = (policy?.gates ?? []).map((g) => ({ ...g, status: g.status ?? (g.pass ? 'pass' : 'fail') }));
  return {
    validation,
    verdict: policy === undefined ? null : (policy.verdict ?? (policy.pass ? 'PASS' : 'FAIL')),
    policyName: policy?.name ?? null,
    gates,
    findings: (validation.result['findings'] as Finding[] | undefined) ?? [],
  };
}

const STATUS_TEXT = { pass: 'PASS', fail: 'FAIL', undecided: 'not decided: more data needed' } as const;
const SEVERITY_TEXT = { critical: 'Critical', warning: 'Warning', note: 'Note' } as const;

/** A gate's measured value with its interval and method, as a reviewer reads it. */
export function gateMeasured(g: GateResult): string {
  const asPercent = g.limit <= 1 && !/records|samples/.test(g.gate);
  const f = (v: number | null | undefined): string => (asPercent ? formatPercent(v) : formatNumber(v, 4));
  const interval =
    g.interval !== undefined && g.interval !== null ? ` [${f(g.interval[0])} to ${f(g.interval[1])}]` : '';
  return `${f(g.value)}${interval}`;
}

export function gateLimit(g: GateResult): string {
  const asPercent = g.limit <= 1 && !/records|samples/.test(g.gate);
  return `${g.gate.startsWith('max_') ? 'at most' : 'at least'} ${asPercent ? formatPercent(g.limit) : formatNumber(g.limit, 4)}`;
}

export function verdictSectionHtml(validations: ValidationRow[]): string {
  if (validations.length === 0) return '<p class="warn">No validation yet: there is nothing to judge.</p>';
  return validations
    .map((row) => {
      const v = validationVerdict(row);
      const heading = `<h3>Validation ${escapeHtml(row.id)} on ${escapeHtml(row.datasetId)} (${escapeHtml(row.split)})</h3>`;
      const verdict =
        v.verdict === null
          ? '<p class="muted">No acceptance criteria were applied (validate with <code>--policy FILE</code>; <code>attest policy template</code> prints one).</p>'
          : `<p class="${v.verdict === 'PASS' ? 'ok' : 'bad'}">Verdict: ${v.verdict}${v.policyName !== null ? ` against ${escapeHtml(v.policyName)}` : ''}</p>${table(
              ['criterion', 'required', 'measured [95% interval]', 'interval method', 'result'],
              v.gates.map((g) => [
                `${g.gate}: ${g.detail}`,
                gateLimit(g),
                gateMeasured(g),
                g.intervalMethod ?? '—',
                STATUS_TEXT[g.status],
              ]),
            )}`;
      const findings =
        v.findings.length === 0
          ? '<p class="ok">No automatic finding: none of the checks for a one-class model, a majority-class guess, misleading AUC, too few records or samples, an optimistic split or a suspect reference fired.</p>'
          : `<ul>${v.findings.map((f) => `<li class="${f.severity === 'critical' ? 'bad' : ''}"><strong>${SEVERITY_TEXT[f.severity]}:</strong> ${escapeHtml(f.message)}</li>`).join('')}</ul>`;
      return `${heading}\n${verdict}\n<h4>Findings</h4>\n${findings}`;
    })
    .join('\n');
}

export function verdictSectionPdf(pdf: PdfWriter, validations: ValidationRow[]): void {
  pdf.heading('Verdict and findings');
  if (validations.length === 0) pdf.paragraph('No validation yet: there is nothing to judge.', 'bad');
  for (const row of validations) {
    const v = validationVerdict(row);
    pdf.paragraph(`Validation ${row.id} on ${row.datasetId} (${row.split})`, 'muted');
    if (v.verdict === null) pdf.paragraph('No acceptance criteria were applied.', 'muted');
    else {
      pdf.paragraph(
        `Verdict: ${v.verdict}${v.policyName !== null ? ` against ${v.policyName}` : ''}`,
        v.verdict === 'PASS' ? 'good' : 'bad',
      );
      pdf.table(
        ['Criterion', 'Required', 'Measured [interval]', 'Result'],
        v.gates.map((g) => [g.gate, gateLimit(g), gateMeasured(g), STATUS_TEXT[g.status]]),
      );
    }
    if (v.findings.length === 0) pdf.paragraph('No automatic finding.', 'good');
    for (const f of v.findings)
      pdf.paragraph(
        `${SEVERITY_TEXT[f.severity]}: ${f.message}`,
        f.severity === 'critical' ? 'bad' : 'normal',
      );
  }
}
