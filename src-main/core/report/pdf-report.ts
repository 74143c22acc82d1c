import type { ReportData } from './report-data.js';
import { formatPercent } from './html.js';
import { DATA_ATTRIBUTION } from './attribution.js';
import { PdfWriter } from './pdf-layout.js';
import { methodsSectionPdf, methodsSectionShown } from './methods-section.js';
import { detectionValidationTable, isDetectionValidation } from './detection-sections.js';
import { verdictSectionPdf } from './verdict-section.js';
import { PDF_CHECKPOINT_PREFIX } from '../audit/carried-checkpoint.js';

interface CleanResult {
  n?: number;
  accuracy?: number;
  macroF1?: number;
  perClass?: {
    label: string;
    support: number;
    sensitivity: number | null;
    positivePredictivity: number | null;
    f1: number | null;
  }[];
}

/**
 * The validation report as PDF, from the same gathered data as the HTML report: the model beside its parent,
 * the clean metrics per class, which suites ran, the electronic signatures and the state of the audit trail.
 * The HTML report keeps the charts and every table; the PDF is the document that gets printed, filed and signed.
 */
export async function renderModelReportPdf(
  data: ReportData,
  audit?: { treeRoot?: string; checkpoint?: string; keyId?: string },
): Promise<Uint8Array> {
  const pdf = await PdfWriter.create(`Attest report: ${data.model.name}`);
  pdf.title(`Validation report: ${data.model.name}`);
  pdf.paragraph(
    `Model ${data.model.id}${data.parent !== undefined ? `, derived from ${data.parent.id}` : ''}. Generated ${data.generatedAt} (UTC) by Attest, offline.`,
    'muted',
  );

  // A report opens with its verdict and findings: what the reviewer must read before any figure.
  verdictSectionPdf(
    pdf,
    data.validations.map((v) => v.model),
  );

  pdf.heading('Model');
  const m = data.model;
  pdf.keyValues([
    ['Name, architecture', `${m.name}, ${m.arch}`],
    ['Derived by', m.recipe ?? 'trained (baseline)'],
    ['Parameters (nonzero)', `${m.params} (${m.nonzeroParams})`],
    ['Size on disk', `${m.sizeBytes} bytes`],
    ['Backend, seed', `${m.backend}, ${m.seed ?? '-'}`],
    ['Created (UTC)', m.createdAt],
    ['Artifact SHA-256', m.artifactSha256],
    ...(data.parent !== undefined
      ? ([
          [
            'Parent',
            `${data.parent.name} (${data.parent.id}), ${data.parent.params} parameters, ${data.parent.sizeBytes} bytes`,
          ],
          ['Parent artifact SHA-256', data.parent.artifactSha256],
        ] as [string, unknown][])
      : []),
  ]);
  if (data.dataset !== undefined)
    pdf.keyValues([
      ['Dataset', `${data.dataset.name} (${data.dataset.id}), ${data.dataset.kind}`],
      ['Data SHA-256', data.dataset.dataSha256],
      ['Source files', `${data.dataset.sources.length} files, each hashed at import`],
    ]);

  pdf.heading('Results');
  if (data.validations.length === 0) pdf.paragraph('This model has not been validated yet.', 'bad');
  for (const pair of data.validations) {
    const v = pair.model;
    pdf.paragraph(
      `Validation ${v.id} on ${v.datasetId}, split ${v.split}, suites ${v.suites.join(', ')}, backend ${v.backend}, ${v.createdAt}.`,
      'muted',
    );
    if (isDetectionValidation(v)) {
      const detection = detectionValidationTable(v);
      pdf.paragraph(detection.note);
      pdf.table(detection.headers, detection.rows);
      continue;
    }
    const clean = v.result['clean'] as CleanResult | undefined;
    const parentClean = pair.parent?.result['clean'] as CleanResult | undefined;
    if (clean !== undefined) {
      pdf.keyValues([
        ['Samples', clean.n],
        [
          'Accuracy',
          `${formatPercent(clean.accuracy)}${parentClean !== undefined ? ` (parent ${formatPercent(parentClean.accuracy)})` : ''}`,
        ],
        [
          'Macro-F1',
          `${formatPercent(clean.macroF1)}${parentClean !== undefined ? ` (parent ${formatPercent(parentClean.macroF1)})` : ''}`,
        ],
      ]);
      pdf.table(
        [
          'Class',
          'Support',
          'Sensitivity',
          'Pos. predictivity',
          'F1',
          ...(parentClean !== undefined ? ['Parent F1'] : []),
        ],
        (clean.perClass ?? []).map((c) => [
          c.label,
          c.support,
          formatPercent(c.sensitivity),
          formatPercent(c.positivePredictivity),
          formatPercent(c.f1),
          ...(parentClean !== undefined
            ? [formatPercent(parentClean.perClass?.find((p) => p.label === c.label)?.f1)]
            : []),
        ]),
      );
    }
    const others = Object.keys(v.result).filter((k) => k !== 'clean');
    if (others.length > 0)
      pdf.paragraph(
        `Further suites in this validation (full tables and charts in the HTML report): ${others.join(', ')}.`,
      );
  }

  if (methodsSectionShown(data.methods)) methodsSectionPdf(pdf, data.methods);

  pdf.heading('Reviewer comments');
  if (data.comments.length === 0) pdf.paragraph('No comment.', 'muted');
  for (const c of data.comments) {
    for (const line of c.text.split('\n')) if (line.trim() !== '') pdf.paragraph(line);
    pdf.paragraph(
      `${c.actor}, ${c.at} UTC, on ${c.entityType} ${c.entityId} (audit event ${c.eventSeq})${c.onCurrentVersion ? '' : ': written on an earlier version of the record'}`,
      c.onCurrentVersion ? 'muted' : 'bad',
    );
  }

  pdf.heading('Electronic signatures');
  if (data.signatures.length === 0) pdf.paragraph('No electronic signature yet.', 'muted');
  for (const s of data.signatures) {
    pdf.paragraph(`${s.meaning.toUpperCase()} by ${s.printedName}`, s.status === 'valid' ? 'good' : 'bad');
    pdf.keyValues([
      ['User, role', `${s.userName}, ${s.role}`],
      ['Date and time (UTC)', s.signedAt],
      ['Record', `${s.entityType} ${s.entityId}`],
      ['Record SHA-256', s.recordSha256],
      [
        'Status',
        s.status === 'valid' ? 'valid: the record is the version that was signed' : `INVALID: ${s.status}`,
      ],
      ...(s.reason !== null ? ([['Reason', s.reason]] as [string, unknown][]) : []),
    ]);
  }

  pdf.heading('Audit trail');
  const v = data.verification;
  pdf.paragraph(
    v.ok
      ? `Audit trail intact at report time: ${v.events} events, ${v.artifactsChecked} artifacts re-hashed.`
      : `Audit trail NOT intact: ${v.problems[0]?.message ?? ''}`,
    v.ok ? 'good' : 'bad',
  );
  pdf.keyValues([
    ['Chain head', data.head !== undefined ? `event ${data.head.seq}` : '-'],
    ['Chain head hash', data.head?.hash ?? '-'],
    ['Merkle tree head', audit?.treeRoot ?? v.tree.root],
    [
      'Signed checkpoint',
      audit?.checkpoint ??
        (v.checkpoints.latest !== null
          ? `${v.checkpoints.latest.treeSize} events, ${v.checkpoints.latest.createdAt}`
          : 'none'),
    ],
    ['Installation key', audit?.keyId ?? v.keys[0] ?? '-'],
  ]);
  pdf.table(
    ['#', 'When (UTC)', 'Who', 'Action', 'Record'],
    data.events.map((e) => [e.seq, e.at, e.actor, e.action, e.entityId ?? '']),
  );

  pdf.heading('Data attribution');
  for (const line of DATA_ATTRIBUTION) pdf.paragraph(line, 'muted');
  // The signed checkpoint in the document's subject: the filed PDF is a witness that
  // `attest audit prove --since REPORT.pdf` reads back.
  if (data.checkpoint !== null)
    pdf.doc.setSubject(`${PDF_CHECKPOINT_PREFIX}${JSON.stringify(data.checkpoint)}`);
  return pdf.save();
}
