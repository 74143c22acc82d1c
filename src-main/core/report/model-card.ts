import { validationVerdict } from './verdict-section.js';
import type { Workspace } from '../store/workspace.js';
import { getModel, type ModelRow } from '../store/models.js';
import { listAuditEvents } from '../audit/log.js';
import { gatherReportData, type ReportData } from './report-data.js';
import { escapeHtml, formatNumber, formatPercent } from './html.js';
import { modelOriginRows } from './model-origin.js';

/**
 * A model card (Mitchell et al., "Model Cards for Model Reporting", FAT* 2019) generated from the store:
 * model details, intended use, factors, metrics, evaluation and training data, quantitative analyses
 * (per class, robustness), privacy, compression lineage, and caveats derived from what the store knows
 * (a split by beat, classes with little support, a drop after compression, missing validations). Every number
 * comes from a stored validation; nothing is typed in by hand except an optional intended-use statement.
 */
type Block =
  | { kind: 'p'; text: string }
  | { kind: 'table'; headers: string[]; rows: unknown[][] }
  | { kind: 'list'; items: string[] };
export interface ModelCardSection {
  title: string;
  blocks: Block[];
}
export interface ModelCard {
  modelId: string;
  title: string;
  sections: ModelCardSection[];
  html: string;
  markdown: string;
}

interface PerClass {
  label: string;
  support: number;
  sensitivity: number | null;
  positivePredictivity: number | null;
  f1: number | null;
}
interface Clean {
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: PerClass[];
  bootstrap?: { accuracy?: [number, number]; macroF1?: [number, number] } | null;
}

const p = (text: string): Block => ({ kind: 'p', text });

function lineage(workspace: Workspace, model: ModelRow): ModelRow[] {
  const chain: ModelRow[] = [model];
  let current = model;
  while (current.parentId !== null && chain.length < 20) {
    current = getModel(workspace.db, current.parentId);
    chain.unshift(current);
  }
  return chain;
}

function defaultIntendedUse(kind: string | undefined): string {
  if (kind !== undefined && /ecg|beat|wfdb|edf/i.test(kind))
    return 'Classification of single heartbeats into the AAMI classes (N, S, V, F, Q) from one ECG lead, for engineering evaluation and as decision support under clinical oversight after validation at the site. Intended users: clinical and biomedical engineers, and the quality reviewers who sign off on them.';
  return `Classification of ${kind ?? 'the imported'} samples into the classes of its training data, for engineering evaluation under expert oversight after validation at the site.`;
}

function latestClean(
  data: ReportData,
): { clean: Clean; parent: Clean | undefined; split: string; id: string } | undefined {
  for (const pair of [...data.validations].reverse()) {
    const clean = pair.model.result['clean'] as Clean | undefined;
    if (clean !== undefined)
      return {
        clean,
        parent: pair.parent?.result['clean'] as Clean | undefined,
        split: pair.model.split,
        id: pair.model.id,
      };
  }
  return undefined;
}

export function buildModelCard(
  workspace: Workspace,
  modelId: string,
  options: { intendedUse?: string } = {},
): ModelCardSection[] {
  const data = gatherReportData(workspace, modelId);
  const m = data.model;
  const trainEvent = listAuditEvents(workspace.db, { entityId: m.id }).find((e) =>
    e.action.startsWith('model.'),
  );
  const sections: ModelCardSection[] = [];
  const chain = lineage(workspace, m);
  const origin = modelOriginRows(m);

  sections.push({
    title: 'Model details',
    blocks: [
      {
        kind: 'table',
        headers: ['', ''],
        rows: [
          ['Name', m.name],
          ['Identifier', m.id],
          ['Weights SHA-256', m.artifactSha256],
          ['Architecture', m.arch],
          ['Created (UTC)', m.createdAt],
          ['Created by', trainEvent?.actor ?? 'unknown'],
          [
            'Derived by',
            m.recipe ??
              (origin !== undefined ? 'imported (made outside Attest)' : 'trained from scratch (baseline)'),
          ],
          ['Parameters (nonzero)', `${m.params} (${m.nonzeroParams})`],
          ['Size on disk', `${m.sizeBytes} bytes`],
          ['Backend, seed', `${m.backend}, ${m.seed ?? '—'}`],
          ['Training settings', JSON.stringify(m.config)],
        ],
      },
    ],
  });

  if (origin !== undefined)
    sections.push({
      title: 'Origin: made outside Attest',
      blocks: [{ kind: 'table', headers: ['', ''], rows: origin }],
    });

  sections.push({
    title: 'Intended use',
    blocks: [
      p(options.intendedUse ?? defaultIntendedUse(data.dataset?.kind)),
      p(
        'Out of scope: standalone diagnosis without a clinician or engineer in the loop; data from devices, leads, sampling rates or populations unlike the training data; any use before the site has validated it on its own data.',
      ),
    ],
  });

  const groups = data.dataset?.groups ?? [];
  const classes = Object.keys(groups[0]?.classCounts ?? {});
  const countsOf = (split: string): unknown[][] =>
    groups
      .filter((g) => g.split === split || g.split === 'both')
      .map((g) => [g.name, g.split, g.samples, ...classes.map((c) => g.classCounts[c] ?? 0)]);
  sections.push({
    title: 'Factors',
    blocks: [
      p(
        `Groups are ${data.dataset?.kind === undefined ? 'records' : 'records (patients) of the dataset'}: performance is reported per class because classes are imbalanced, and splits keep each record on one side so that figures are not inflated by beats of the same patient. The backend (${m.backend}) is recorded because results are reproducible only on the same backend with the same seed.`,
      ),
    ],
  });

  const latest = latestClean(data);
  sections.push({
    title: 'Metrics',
    blocks: latest
      ? [
          p(
            'Accuracy and macro-F1 over all classes; per class: sensitivity (recall), positive predictivity (precision) and F1, as in ANSI/AAMI EC57. Where the test split holds several records, 95% intervals come from a bootstrap over records.',
          ),
          {
            kind: 'table',
            headers: ['Metric', 'This model', ...(latest.parent !== undefined ? ['Parent'] : [])],
            rows: [
              [
                'Accuracy',
                withCi(latest.clean.accuracy, latest.clean.bootstrap?.accuracy),
                ...(latest.parent !== undefined ? [formatPercent(latest.parent.accuracy)] : []),
              ],
              [
                'Macro-F1',
                withCi(latest.clean.macroF1, latest.clean.bootstrap?.macroF1),
                ...(latest.parent !== undefined ? [formatPercent(latest.parent.macroF1)] : []),
              ],
            ],
          },
        ]
      : [p('No clean validation is stored for this model: it has no measured performance yet.')],
  });

  sections.push({
    title: 'Evaluation data',
    blocks: [
      p(
        `Dataset ${data.dataset?.name ?? '—'} (${data.dataset?.id ?? '—'}), data SHA-256 ${data.dataset?.dataSha256 ?? '—'}${latest ? `; split "${latest.split}", ${latest.clean.n} samples (validation ${latest.id})` : ''}.`,
      ),
      { kind: 'table', headers: ['Group', 'Split', 'Samples', ...classes], rows: countsOf('test') },
    ],
  });
  sections.push({
    title: 'Training data',
    blocks: [
      p(
        `${data.dataset?.sources.length ?? 0} source files, each recorded with its SHA-256 at import; validation records for early stopping are held out by record.`,
      ),
      { kind: 'table', headers: ['Group', 'Split', 'Samples', ...classes], rows: countsOf('train') },
    ],
  });

  const quantitative: Block[] = [];
  if (latest !== undefined)
    quantitative.push({
      kind: 'table',
      headers: [
        'Class',
        'Support',
        'Sensitivity',
        'Positive predictivity',
        'F1',
        ...(latest.parent !== undefined ? ['Parent F1'] : []),
      ],
      rows: latest.clean.perClass.map((c) => [
        c.label,
        c.support,
        formatPercent(c.sensitivity),
        formatPercent(c.positivePredictivity),
        formatPercent(c.f1),
        ...(latest.parent !== undefined
          ? [formatPercent(latest.parent.perClass.find((x) => x.label === c.label)?.f1)]
          : []),
      ]),
    });
  const robustness: unknown[][] = [];
  for (const pair of data.validations) {
    const r = pair.model.result;
    const fgsm = r['fgsm'] as { unit: string; points: { epsilon: number; accuracy: number }[] } | undefined;
    for (const point of fgsm?.points ?? [])
      robustness.push([
        `FGSM, epsilon ${point.epsilon} (${fgsm?.unit ?? ''})`,
        formatPercent(point.accuracy),
      ]);
    const noise = r['noise'] as
      { noises: { noise: string; points: { snrDb: number; accuracy: number }[] }[] } | undefined;
    for (const n of noise?.noises ?? []) {
      const worst = [...n.points].sort((a, b) => a.snrDb - b.snrDb)[0];
      if (worst !== undefined)
        robustness.push([`Noise ${n.noise} at ${worst.snrDb} dB SNR`, formatPercent(worst.accuracy)]);
    }
    const calibration = r['calibration'] as { before?: { ece: number } } | undefined;
    if (calibration?.before !== undefined)
      robustness.push(['Expected calibration error (ECE)', formatPercent(calibration.before.ece)]);
  }
  if (robustness.length > 0)
    quantitative.push({
      kind: 'table',
      headers: ['Robustness condition', 'Accuracy / figure'],
      rows: robustness,
    });
  sections.push({
    title: 'Quantitative analyses',
    blocks: quantitative.length > 0 ? quantitative : [p('No validation stored yet.')],
  });

  const privacy: Block[] = [
    p(
      'All processing ran offline on this installation: no data or model left the machine. Source files are identified by path and SHA-256; patient identifiers are not copied into the store.',
    ),
  ];
  for (const pair of data.validations) {
    const mem = pair.model.result['membership'] as
      { model?: { lossThreshold?: { auc: number | null; advantage: number | null } } } | undefined;
    if (mem?.model?.lossThreshold !== undefined)
      privacy.push(
        p(
          `Membership inference (loss threshold): AUC ${formatNumber(mem.model.lossThreshold.auc, 3)}, advantage ${formatPercent(mem.model.lossThreshold.advantage)}; an AUC near 0.5 means training patients cannot be told apart from others.`,
        ),
      );
  }
  if (privacy.length === 1)
    privacy.push(
      p('No membership-inference test was run: the leakage of training patients is not measured.'),
    );
  sections.push({ title: 'Ethical considerations and privacy', blocks: privacy });

  sections.push({
    title: 'Compression lineage',
    blocks: [
      {
        kind: 'table',
        headers: ['Step', 'Model', 'Recipe', 'Parameters (nonzero)', 'Bytes', 'Weights SHA-256'],
        rows: chain.map((c, i) => [
          i,
          `${c.name} (${c.id})`,
          c.recipe ?? 'baseline',
          `${c.params} (${c.nonzeroParams})`,
          c.sizeBytes,
          c.artifactSha256,
        ]),
      },
    ],
  });

  sections.push({
    title: 'Caveats and recommendations',
    blocks: [{ kind: 'list', items: caveats(data, latest) }],
  });
  sections.push({
    title: 'Signatures',
    blocks: [
      data.signatures.length === 0
        ? p('Not signed.')
        : {
            kind: 'table',
            headers: ['Meaning', 'Printed name', 'Role', 'Signed (UTC)', 'Record', 'Status'],
            rows: data.signatures.map((s) => [
              s.meaning,
              s.printedName,
              s.role,
              s.signedAt,
              `${s.entityType} ${s.entityId}`,
              s.status,
            ]),
          },
    ],
  });
  return sections;
}

function withCi(value: number, ci: [number, number] | undefined): string {
  return ci !== undefined
    ? `${formatPercent(value)} [${formatPercent(ci[0])}–${formatPercent(ci[1])}]`
    : formatPercent(value);
}

function caveats(data: ReportData, latest: ReturnType<typeof latestClean>): string[] {
  const items: string[] = [];
  if (latest === undefined)
    items.push('The model has no stored validation: do not use it before it is validated.');
  if (data.dataset !== undefined && JSON.stringify(data.dataset.params['split'] ?? '').includes('beats'))
    items.push(
      'The split is by beat: beats of one patient are on both sides, so the figures are optimistic.',
    );
  for (const c of latest?.clean.perClass ?? [])
    if (c.support === 0)
      items.push(`Class ${c.label} is absent from the test data: the model is not evaluated on it.`);
    else if (c.support < 30)
      items.push(`Class ${c.label} has only ${c.support} test samples: its figures are uncertain.`);
  const testGroups = data.dataset?.groups.filter((g) => g.split === 'test').length ?? 0;
  if (testGroups > 0 && testGroups < 5)
    items.push(`Only ${testGroups} test records: results may not carry over to other patients.`);
  if (latest?.parent !== undefined && latest.parent.macroF1 - latest.clean.macroF1 > 0.01)
    items.push(
      `Compression cost ${((latest.parent.macroF1 - latest.clean.macroF1) * 100).toFixed(1)} points of macro-F1 against the parent.`,
    );
  // The latest validation's verdict and critical findings: what must not be lost when the card travels alone.
  const newest = data.validations.at(-1)?.model;
  if (newest !== undefined) {
    const judged = validationVerdict(newest);
    if (judged.verdict !== null)
      items.push(
        `Acceptance verdict of validation ${newest.id}: ${judged.verdict}${judged.policyName !== null ? ` against ${judged.policyName}` : ''}.`,
      );
    for (const f of judged.findings.filter((x) => x.severity === 'critical')) items.push(f.message);
  }
  if (!data.verification.ok)
    items.push(
      `The audit trail did not verify when this card was made: ${data.verification.problems[0]?.message ?? ''}`,
    );
  items.push(
    'Validated on the recorded data only; other devices, leads, sampling rates and populations need their own validation.',
  );
  return items;
}

export function renderModelCard(
  workspace: Workspace,
  modelId: string,
  options: { intendedUse?: string } = {},
): ModelCard {
  const sections = buildModelCard(workspace, modelId, options);
  const model = getModel(workspace.db, modelId);
  const title = `Model card: ${model.name}`;
  return { modelId, title, sections, html: toHtml(title, sections), markdown: toMarkdown(title, sections) };
}

function toHtml(title: string, sections: ModelCardSection[]): string {
  const block = (b: Block): string => {
    if (b.kind === 'p') return `<p>${escapeHtml(b.text)}</p>`;
    if (b.kind === 'list') return `<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    const head = b.headers.some((h) => h !== '')
      ? `<thead><tr>${b.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`
      : '';
    return `<table>${head}<tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;color:#222;line-height:1.4}table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;overflow-wrap:anywhere}td:first-child,th{white-space:nowrap}th{background:#f3f3f3}h2{border-bottom:2px solid #ccc}</style>
</head><body><h1>${escapeHtml(title)}</h1>
<p>Following Mitchell et al., Model Cards for Model Reporting (FAT* 2019). Generated by Attest from its store, offline.</p>
${sections.map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(block).join('\n')}</section>`).join('\n')}
</body></html>
`;
}

function toMarkdown(title: string, sections: ModelCardSection[]): string {
  const cell = (v: unknown): string => String(v ?? '').replaceAll('|', '\\|');
  const block = (b: Block): string => {
    if (b.kind === 'p') return b.text;
    if (b.kind === 'list') return b.items.map((i) => `- ${i}`).join('\n');
    return [
      `| ${b.headers.map(cell).join(' | ')} |`,
      `|${b.headers.map(() => ' --- ').join('|')}|`,
      ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    ].join('\n');
  };
  return `# ${title}\n\n${sections.map((s) => `## ${s.title}\n\n${s.blocks.map(block).join('\n\n')}`).join('\n\n')}\n`;
}
