import type { ReportData } from './report-data.js';
import type { ValidationRow } from '../store/validations.js';
import type { Interval } from '../validate/record-bootstrap.js';
import type { StoredCleanResult } from '../validate/clean-suites-schema.js';
import type { StoredFgsmResult } from '../validate/attack-suites-schema.js';
import type { StoredNoiseStressResult } from '../validate/noise-stress-schema.js';
import { validationResultSchema } from '../validate/validation-result-schema.js';
import { inReviewerUnits } from '../validate/reviewer-units.js';
import { escapeHtml, formatPercent, lineChart, table } from './html.js';
import { DATA_ATTRIBUTION } from './attribution.js';
import { commentSection, signatureSection } from './signature-section.js';
import { verdictSectionHtml } from './verdict-section.js';
import { modelOriginRows } from './model-origin.js';
import { detectionValidationSection, isDetectionValidation } from './detection-sections.js';
import { METHODS_SECTION_TITLE, methodsSectionHtml, methodsSectionShown } from './methods-section.js';
import {
  attackSection,
  attributionSection,
  calibrationSection,
  corruptionsSection,
  detectionSection,
  disagreementSection,
  membershipSection,
  policySection,
  rocSection,
  transferSection,
} from './robustness-sections.js';

const ATTACK_TITLES = {
  pgd: 'PGD',
  sparse: 'sparse attack',
  square: 'Square attack, gradient-free',
} as const;

type Clean = StoredCleanResult;
type Fgsm = StoredFgsmResult;
type Noise = StoredNoiseStressResult;

/** Readable names of the noise stress test records. */
const NOISE_NAMES: Record<string, string> = {
  bw: 'baseline wander',
  ma: 'muscle artifact',
  em: 'electrode motion',
  pl50: 'power line 50 Hz',
  pl60: 'power line 60 Hz',
  offset: 'baseline offset',
  scale: 'amplitude scaling',
};

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:2px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#666;font-size:.85rem}.ok{color:#1a7f37;font-weight:bold}.bad{color:#b42318;font-weight:bold}
code,.hash{font-family:ui-monospace,monospace;font-size:.8rem;word-break:break-all}
.cols{display:flex;gap:2rem;flex-wrap:wrap}.warn{background:#fff4e5;border-left:4px solid #f79009;padding:.5rem 1rem}
@media print{body{margin:0}h2{page-break-after:avoid}}`;

function section(title: string, body: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

function modelFacts(data: ReportData): string {
  const rows: unknown[][] = [];
  const add = (label: string, model: unknown, parent: unknown): void => {
    rows.push(data.parent !== undefined ? [label, model, parent] : [label, model]);
  };
  const m = data.model;
  const p = data.parent;
  add('Model id', m.id, p?.id);
  add('Name', m.name, p?.name);
  add('Architecture', m.arch, p?.arch);
  const derived = (row: typeof m): string =>
    row.recipe ??
    (row.config['origin'] !== undefined ? 'imported (made outside Attest)' : 'trained (baseline)');
  add('Derived by (recipe)', derived(m), p !== undefined ? derived(p) : undefined);
  add('Size on disk (bytes)', m.sizeBytes, p?.sizeBytes);
  add('Parameters', m.params, p?.params);
  add('Nonzero parameters', m.nonzeroParams, p?.nonzeroParams);
  add('Backend', m.backend, p?.backend);
  add('Artifact SHA-256', m.artifactSha256, p?.artifactSha256);
  add('Created (UTC)', m.createdAt, p?.createdAt);
  return table(p !== undefined ? ['', 'This model', 'Parent'] : ['', 'This model'], rows);
}

/** A model made elsewhere has no training setup to show: its origin and input contract stand in its place. */
function originOrTraining(data: ReportData): string {
  const origin = modelOriginRows(data.parent ?? data.model);
  return origin !== undefined
    ? section('Origin: a model made outside Attest', table(['', ''], origin))
    : section('Training setup', trainingSetup(data));
}

function trainingSetup(data: ReportData): string {
  const baseline = data.parent ?? data.model;
  const config = baseline.config;
  const summary = baseline.summary;
  const rows: unknown[][] = [
    ['Architecture', baseline.arch],
    [
      'Epochs asked / run / best',
      `${String(config['epochs'])} / ${String((summary['history'] as unknown[] | undefined)?.length ?? '—')} / ${String(summary['bestEpoch'] ?? '—')}`,
    ],
    ['Stopped by', summary['stoppedBy']],
    ['Seed', baseline.seed],
    ['Batch size', config['batchSize']],
    ['Optimizer, learning rate', `${String(config['optimizer'])}, ${String(config['learningRate'])}`],
    ['Early-stopping patience (epochs, on validation macro-F1)', config['patience']],
    ['Training records', ((summary['trainRecords'] as string[] | undefined) ?? []).join(' ')],
    [
      'Validation records (held out by record)',
      ((summary['validationRecords'] as string[] | undefined) ?? []).join(' '),
    ],
    [
      'Training / validation beats',
      `${String(summary['trainBeats'])} / ${String(summary['validationBeats'])}`,
    ],
    ['Class weights', JSON.stringify(summary['classWeight'] ?? {})],
    ['Backend', baseline.backend],
  ];
  if (data.parent !== undefined) {
    const compression = data.model.config['compression'] as Record<string, unknown> | undefined;
    rows.push(['Compression recipe', data.model.recipe]);
    rows.push(['Fine-tuning epochs after pruning', compression?.['fineTuneEpochs']]);
  }
  const history =
    (summary['history'] as
      { epoch: number; loss: number; valAccuracy: number; valMacroF1: number }[] | undefined) ?? [];
  const chart =
    history.length > 1
      ? lineChart({
          title: 'Training: validation by epoch',
          xLabel: 'epoch',
          yLabel: 'score',
          yMin: 0,
          yMax: 1,
          series: [
            { name: 'accuracy', points: history.map((h) => ({ x: h.epoch, y: h.valAccuracy })) },
            { name: 'macro-F1', points: history.map((h) => ({ x: h.epoch, y: h.valMacroF1 })) },
          ],
        })
      : '';
  return table(['Setting', 'Value'], rows) + chart;
}

/** What the importer warned about (skipped records, an intra-patient split): carried into every report. */
function importWarnings(summary: Record<string, unknown>): string[] {
  const warnings = Array.isArray(summary['warnings']) ? (summary['warnings'] as unknown[]).map(String) : [];
  if (warnings.length === 0) return [];
  return [`<ul class="warn">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`];
}

function provenance(data: ReportData): string {
  const d = data.dataset;
  if (d === undefined) return '<p>No dataset is linked to this model.</p>';
  const splitRows = d.groups.map((g) => [g.name, g.split, g.samples, ...Object.values(g.classCounts)]);
  const classNames = Object.keys(d.groups[0]?.classCounts ?? {});
  return [
    table(
      ['', ''],
      [
        ['Dataset', `${d.name} (${d.id})`],
        ['Kind, importer', `${d.kind}, ${d.importerVersion}`],
        ['Imported (UTC)', d.createdAt],
        ['Parameters', JSON.stringify(d.params)],
        ['Data bundle SHA-256', d.dataSha256],
      ],
    ),
    ...importWarnings(d.summary),
    d.groups.some((g) => g.split === 'both')
      ? '<h3>Records and splits (by beat: every record is on both sides)</h3>'
      : '<h3>Records and splits (by record: no patient is on both sides)</h3>',
    table(['Record', 'Split', 'Beats', ...classNames], splitRows, { numeric: true }),
    '<h3>Source files</h3>',
    table(
      ['Record', 'File', 'Bytes', 'SHA-256'],
      d.sources.map((s) => [s.record ?? '', s.path, s.size, s.sha256]),
    ),
  ].join('\n');
}

/** How the bracketed intervals were computed, each method once with the figures it applies to. */
function statedIntervalNote(intervals: NonNullable<Clean['intervals']>): string {
  const byMethod = new Map<string, string[]>();
  const add = (figure: string, method: string): void => {
    byMethod.set(method, [...(byMethod.get(method) ?? []), figure]);
  };
  add('accuracy', intervals.accuracy.method);
  add('macro-F1', intervals.macroF1.method);
  for (const [label, c] of Object.entries(intervals.perClass)) {
    if (c.records === 0) continue;
    add(`${label} sensitivity`, c.sensitivity.method);
    add(`${label} positive predictivity`, c.positivePredictivity.method);
    add(`${label} F1`, c.f1.method);
  }
  const few =
    intervals.testRecords < 5
      ? `<p class="warn">Only ${intervals.testRecords} test record${intervals.testRecords === 1 ? '' : 's'}: with fewer than 5, no interval is meaningful for patients in general.</p>`
      : '';
  return `${few}<p class="muted">In brackets: ${Math.round(intervals.level * 100)}% confidence intervals.</p><ul class="muted">${[
    ...byMethod.entries(),
  ]
    .map(([method, figures]) => `<li>${escapeHtml(figures.join(', '))}: ${escapeHtml(method)}</li>`)
    .join('')}</ul>`;
}

function cleanComparison(model: Clean | undefined, parent: Clean | undefined): string {
  if (model === undefined) return '';
  const withParent = parent !== undefined;
  const header = withParent ? ['Metric', 'This model', 'Parent', 'Change'] : ['Metric', 'This model'];
  // A value with its 95% interval (bootstrap over records) where one was computed.
  const withInterval = (value: number | null | undefined, ci: Interval | null | undefined): string =>
    ci !== undefined && ci !== null && typeof value === 'number'
      ? `${formatPercent(value)} [${formatPercent(ci[0])}–${formatPercent(ci[1])}]`
      : formatPercent(value);
  const line = (
    label: string,
    a: number | null | undefined,
    b: number | null | undefined,
    ci: (c: Clean) => Interval | null | undefined,
  ): unknown[] => {
    const change =
      typeof a === 'number' && typeof b === 'number'
        ? `${a - b >= 0 ? '+' : ''}${((a - b) * 100).toFixed(1)} pt`
        : '—';
    const ours = withInterval(a, ci(model));
    return withParent
      ? [label, ours, withInterval(b, parent !== undefined ? ci(parent) : undefined), change]
      : [label, ours];
  };
  // The stated interval (record bootstrap with enough records, else exact) where stored; older results: bootstrap.
  const perClassCi = (label: string, key: 'sensitivity' | 'positivePredictivity' | 'f1') => (c: Clean) =>
    c.intervals !== undefined
      ? (c.intervals.perClass[label]?.[key].interval ?? null)
      : c.bootstrap?.perClass[label]?.[key];
  const overallCi = (key: 'accuracy' | 'macroF1') => (c: Clean) =>
    c.intervals !== undefined ? c.intervals[key].interval : c.bootstrap?.[key];
  const rows: unknown[][] = [
    line('Accuracy', model.accuracy, parent?.accuracy, overallCi('accuracy')),
    line('Macro-F1', model.macroF1, parent?.macroF1, overallCi('macroF1')),
  ];
  for (const cls of model.perClass) {
    const other = parent?.perClass.find((p) => p.label === cls.label);
    rows.push(
      line(
        `${cls.label}: sensitivity (n=${cls.support})`,
        cls.sensitivity,
        other?.sensitivity,
        perClassCi(cls.label, 'sensitivity'),
      ),
    );
    rows.push(
      line(
        `${cls.label}: positive predictivity`,
        cls.positivePredictivity,
        other?.positivePredictivity,
        perClassCi(cls.label, 'positivePredictivity'),
      ),
    );
    rows.push(line(`${cls.label}: F1`, cls.f1, other?.f1, perClassCi(cls.label, 'f1')));
  }
  const intervalNote =
    model.intervals !== undefined
      ? statedIntervalNote(model.intervals)
      : model.bootstrap !== undefined && model.bootstrap !== null
        ? `<p class="muted">In brackets: 95% confidence intervals from ${model.bootstrap.resamples} bootstrap resamples of the ${model.bootstrap.groups} test records (whole records are drawn, never single beats, because beats of one patient are alike).</p>`
        : '<p class="muted">No confidence interval: the test split holds a single record, and resampling beats would understate the uncertainty.</p>';
  const confusion = (c: Clean, title: string): string =>
    `<div><h4>${escapeHtml(title)}: confusion matrix (rows true, columns predicted)</h4>${table(
      ['true \\ predicted', ...c.labels],
      c.confusion.map((row, i) => [c.labels[i], ...row]),
      { numeric: true },
    )}</div>`;
  return `<p>Beats evaluated: ${model.n}.</p>${table(header, rows)}${intervalNote}<div class="cols">${confusion(model, 'This model')}${parent !== undefined ? confusion(parent, 'Parent') : ''}</div>`;
}

function fgsmComparison(model: Fgsm | undefined, parent: Fgsm | undefined): string {
  if (model === undefined) return '';
  const rows = model.points.map((p) => {
    const q = parent?.points.find((x) => x.epsilon === p.epsilon);
    const epsilon = inReviewerUnits(p.epsilon, model.reviewerScale);
    return parent !== undefined
      ? [
          epsilon,
          formatPercent(p.accuracy),
          formatPercent(p.attackSuccessRate),
          formatPercent(q?.accuracy),
          formatPercent(q?.attackSuccessRate),
        ]
      : [epsilon, formatPercent(p.accuracy), formatPercent(p.attackSuccessRate)];
  });
  const header =
    parent !== undefined
      ? ['epsilon', 'accuracy', 'attack success', 'parent accuracy', 'parent attack success']
      : ['epsilon', 'accuracy', 'attack success'];
  const scale =
    model.reviewerScale !== undefined && model.reviewerScale !== null
      ? ` In ${model.reviewerScale.unit}: ${escapeHtml(model.reviewerScale.basis)}.`
      : '';
  return `<p>Fast gradient sign method (FGSM), white-box, on each model's own gradients. Epsilon unit: ${escapeHtml(model.unit)}.${scale}</p>${table(header, rows)}`;
}

function noiseComparison(model: Noise | undefined, parent: Noise | undefined): string {
  if (model === undefined) return '';
  const series = [
    ...model.noises.map((c) => ({
      name: `${NOISE_NAMES[c.noise] ?? c.noise} (this)`,
      points: c.points.map((p) => ({ x: p.snrDb, y: p.accuracy })),
    })),
    ...(parent?.noises ?? []).map((c) => ({
      name: `${NOISE_NAMES[c.noise] ?? c.noise} (parent)`,
      points: c.points.map((p) => ({ x: p.snrDb, y: p.accuracy })),
    })),
  ];
  const snrs = [...new Set(model.noises.flatMap((c) => c.points.map((p) => p.snrDb)))].sort((a, b) => b - a);
  const rows = series.map((s) => [
    s.name,
    ...snrs.map((snr) => formatPercent(s.points.find((p) => p.x === snr)?.y)),
  ]);
  return [
    `<p>${escapeHtml(model.snrDefinition ?? 'Noise added at each signal-to-noise ratio.')}</p>`,
    `<p>Clean accuracy: ${formatPercent(model.clean?.accuracy)}${parent?.clean !== undefined ? ` (parent ${formatPercent(parent.clean.accuracy)})` : ''}.</p>`,
    table(['Accuracy', ...snrs.map((s) => `${s} dB`)], rows),
    lineChart({
      title: 'Noise stress test',
      xLabel: 'SNR (dB)',
      yLabel: 'accuracy',
      yMin: 0,
      yMax: 1,
      series,
      reverseX: true,
    }),
  ].join('\n');
}

function validationHeader(pair: { model: ValidationRow; parent: ValidationRow | undefined }): string {
  return (
    `<p class="muted">Validation ${escapeHtml(pair.model.id)} on dataset ${escapeHtml(pair.model.datasetId)}, split <b>${escapeHtml(pair.model.split)}</b>, ` +
    `suites ${escapeHtml(pair.model.suites.join(', '))}, backend ${escapeHtml(pair.model.backend)}, ${escapeHtml(pair.model.createdAt)}` +
    `${pair.parent !== undefined ? `; parent validation ${escapeHtml(pair.parent.id)}` : '; no validation of a parent on the same data'}.</p>`
  );
}

function validationSection(pair: { model: ValidationRow; parent: ValidationRow | undefined }): string {
  const header = validationHeader(pair);
  // A detector's results (AP, not accuracy) have their own shape: none of the classifier sections applies.
  if (isDetectionValidation(pair.model))
    return [header, detectionValidationSection(pair.model, pair.parent)].join('\n');
  const r = validationResultSchema.parse(pair.model.result);
  const p = pair.parent !== undefined ? validationResultSchema.parse(pair.parent.result) : undefined;
  return [
    header,
    r.clean !== undefined ? `<h3>Clean test data</h3>${cleanComparison(r.clean, p?.clean)}` : '',
    r.fgsm !== undefined ? `<h3>Adversarial robustness (FGSM)</h3>${fgsmComparison(r.fgsm, p?.fgsm)}` : '',
    r.noise !== undefined ? `<h3>ECG noise stress test</h3>${noiseComparison(r.noise, p?.noise)}` : '',
    r.clean?.roc !== undefined ? `<h3>ROC curves and specificity</h3>${rocSection(r.clean, p?.clean)}` : '',
    r.calibration !== undefined
      ? `<h3>Calibration</h3>${calibrationSection(r.calibration, p?.calibration)}`
      : '',
    ...(['pgd', 'sparse', 'square'] as const).map((suite) =>
      r[suite] !== undefined
        ? `<h3>Adversarial robustness (${ATTACK_TITLES[suite]})</h3>${attackSection(r[suite], p?.[suite])}`
        : '',
    ),
    r.transfer !== undefined ? `<h3>Transfer attack from the parent</h3>${transferSection(r.transfer)}` : '',
    r.disagreement !== undefined
      ? `<h3>What changed against the parent</h3>${disagreementSection(r.disagreement)}`
      : '',
    r.membership !== undefined
      ? `<h3>Membership inference (privacy)</h3>${membershipSection(r.membership)}`
      : '',
    (r['mutation-detection'] ?? r.detection) !== undefined
      ? `<h3>Adversarial example detection (model mutation)</h3>${detectionSection(r['mutation-detection'] ?? r.detection)}`
      : '',
    r.corruptions !== undefined
      ? `<h3>Natural image corruptions</h3>${corruptionsSection(r.corruptions)}`
      : '',
    r.attribution !== undefined ? `<h3>Attribution for review</h3>${attributionSection(r.attribution)}` : '',
    r.policy !== undefined ? `<h3>Policy gates</h3>${policySection(r.policy)}` : '',
  ].join('\n');
}

function auditSection(data: ReportData): string {
  const v = data.verification;
  const status = v.ok
    ? `<p class="ok">Audit trail intact: ${v.events} events, ${v.artifactsChecked} artifacts re-hashed at report time.</p>`
    : `<p class="bad">Audit trail NOT intact: ${escapeHtml(v.problems[0]?.message)}</p>`;
  return [
    status,
    `<p>Chain head: event ${data.head?.seq ?? '—'}, hash <span class="hash">${escapeHtml(data.head?.hash ?? '—')}</span></p>`,
    checkpointWitness(data),
    table(
      ['#', 'When (UTC)', 'Who', 'Action', 'Record', 'Hash'],
      data.events.map((e) => [e.seq, e.at, e.actor, e.action, e.entityId ?? '', e.hash]),
    ),
  ].join('\n');
}

/**
 * The latest signed checkpoint, shown and embedded as JSON: a copy of it outside the machine, which
 * `attest audit prove --since REPORT.html` reads back to show the trail was not cut short since.
 */
function checkpointWitness(data: ReportData): string {
  const cp = data.checkpoint;
  if (cp === null)
    return '<p class="warn">No signed checkpoint yet (run <code>attest audit checkpoint</code>).</p>';
  // `<` escaped so that nothing in the JSON can close the element.
  const json = JSON.stringify(cp).replace(/</g, '\\u003c');
  return [
    `<p>Signed checkpoint: ${cp.treeSize} events, tree head <span class="hash">${escapeHtml(cp.rootHash)}</span>, signed ${escapeHtml(cp.createdAt)} by installation key <span class="hash">${escapeHtml(cp.keyId)}</span>. Keep this report: <code>attest audit prove --since</code> this file shows whether the trail only grew since.</p>`,
    `<script type="application/json" id="attest-checkpoint">${json}</script>`,
  ].join('\n');
}

/** The validation report of one model beside its parent, as one self-contained HTML file. */
export function renderModelReport(data: ReportData): string {
  const validation =
    data.validations.length > 0
      ? data.validations.map(validationSection).join('\n<hr>\n')
      : '<p class="warn">This model has not been validated yet (run <code>attest validate</code>).</p>';
  const intraPatient =
    data.dataset?.params['split'] !== undefined &&
    JSON.stringify(data.dataset.params['split']).includes('"beats"');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Attest report: ${escapeHtml(data.model.name)}</title><style>${STYLE}</style></head>
<body>
<h1>Validation report: ${escapeHtml(data.model.name)}</h1>
<p class="muted">Model ${escapeHtml(data.model.id)}${data.parent !== undefined ? `, derived from ${escapeHtml(data.parent.id)}` : ''}. Generated ${escapeHtml(data.generatedAt)} by Attest, offline.</p>
${section('Verdict and findings', verdictSectionHtml(data.validations.map((v) => v.model)))}
${intraPatient ? '<p class="warn">Beats of one patient are on both sides of the split: these figures are optimistic.</p>' : ''}
${section('Model and parent', modelFacts(data))}
${section('Results', validation)}
${section('Dataset provenance', provenance(data))}
${originOrTraining(data)}
${methodsSectionShown(data.methods) ? section(METHODS_SECTION_TITLE, methodsSectionHtml(data.methods)) : ''}
${section('Reviewer comments', commentSection(data))}
${section('Electronic signatures', signatureSection(data))}
${section('Audit trail', auditSection(data))}
<footer class="muted"><h2>Data attribution</h2><ul>${DATA_ATTRIBUTION.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul></footer>
</body></html>
`;
}
