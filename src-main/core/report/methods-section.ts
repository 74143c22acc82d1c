import type { Db } from '../store/database.js';
import { getModel, type ModelRow } from '../store/models.js';
import { listComparisons, type ComparisonRow } from '../store/method-comparisons.js';
import { trainingMethodsOf, type TrainingMethodSetting } from '../train/training-method.js';
import { escapeHtml, formatNumber, formatPercent, table } from './html.js';
import type { PdfWriter } from './pdf-layout.js';

export const METHODS_SECTION_TITLE = 'Training method compared with the plain baseline';

/** What the report says about training methods: the model's own settings and the comparisons around it. */
export interface MethodsReport {
  settings: TrainingMethodSetting[];
  /** Stored comparisons the model, its parent or its dataset take part in, newest first. */
  comparisons: ComparisonRow[];
  /** The models a "this model" mark points at: the model and the parent it was derived from. */
  lineage: string[];
  /** Each compared model's training method in a few words ("plain" for the baseline). */
  methodOf: Record<string, string>;
}

/** At most this many comparisons in a report: the newest ones; the rest stay in the store and the UI. */
const MAX_COMPARISONS = 12;

export function gatherMethods(db: Db, model: ModelRow, parent: ModelRow | undefined): MethodsReport {
  const lineage = [model.id, ...(parent !== undefined ? [parent.id] : [])];
  const seen = new Map<string, ComparisonRow>();
  for (const id of lineage)
    for (const row of listComparisons(db, {
      modelId: id,
      ...(model.datasetId !== null ? { datasetId: model.datasetId } : {}),
    }))
      seen.set(row.id, row);
  const comparisons = [...seen.values()]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, MAX_COMPARISONS);
  const methodOf: Record<string, string> = {};
  for (const m of comparisons.flatMap((c) => c.models)) {
    if (methodOf[m.modelId] !== undefined) continue;
    const row = getModel(db, m.modelId);
    const methods = trainingMethodsOf(row);
    methodOf[m.modelId] =
      methods.length > 0 ? methods.map((x) => `${x.label.toLowerCase()} ${x.value}`).join('; ') : 'plain';
  }
  return { settings: trainingMethodsOf(model), comparisons, lineage, methodOf };
}

/** Shown for a model trained with a method, and for any model a stored comparison names. */
export function methodsSectionShown(methods: MethodsReport): boolean {
  return (
    methods.settings.length > 0 ||
    methods.comparisons.some((c) => c.models.some((m) => methods.lineage.includes(m.modelId)))
  );
}

/** One comparison as a format-neutral table, so that the HTML and the PDF say the same. */
interface ComparisonTable {
  title: string;
  explanation: string;
  headers: string[];
  rows: unknown[][];
  /** A column of model ids, left out of the PDF, whose narrow page says which model is which in a line. */
  modelColumn?: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const points = (a: unknown, b: unknown): string => {
  const x = num(a);
  const y = num(b);
  return x !== undefined && y !== undefined
    ? `${x - y >= 0 ? '+' : ''}${((x - y) * 100).toFixed(1)} pt`
    : '—';
};
type Row = Record<string, unknown>;
const rowsOf = (value: unknown): Row[] => (Array.isArray(value) ? (value as Row[]) : []);

/** `mark` says "(this model)" after the report's own model; `who` adds what a model is (its method). */
function describe(
  c: ComparisonRow,
  mark: (modelId: unknown) => string,
  who: (modelId: unknown) => string,
): ComparisonTable {
  const r = c.result;
  switch (c.kind) {
    case 'lr-policies': {
      const rows = rowsOf(r['rows']);
      const base = rows.find((x) => x['policy'] === 'constant');
      return {
        title: 'Learning-rate policies',
        explanation:
          'Each policy trained the same network on the same data; constant is the plain baseline. Macro-F1 on the held-out validation records (mean over seeds, ± the spread across seeds), jitter is the mean change from one epoch to the next (lower is steadier), time is the cost.',
        headers: [
          'Policy',
          'Macro-F1 (± sd)',
          'Change vs constant',
          'Accuracy',
          'Epoch jitter',
          'Seconds',
          'Models',
        ],
        modelColumn: 6,
        rows: rows.map((x) => [
          `${String(x['policy'])}${x['policy'] === 'constant' ? ' (baseline)' : ''}`,
          `${formatPercent(x['meanMacroF1'])} ± ${formatPercent(x['sdMacroF1'])}`,
          base !== undefined && x !== base ? points(x['meanMacroF1'], base['meanMacroF1']) : '—',
          formatPercent(x['meanAccuracy']),
          formatNumber(x['epochJitter']),
          formatNumber(x['meanSeconds'], 1),
          rowsOf(x['runs'])
            .map((run) => `${String(run['modelId'])}${mark(run['modelId'])}`)
            .join(' '),
        ]),
      };
    }
    case 'semi-supervised': {
      const method = String(r['method'] ?? 'semi-supervised');
      return {
        title: `Semi-supervised training (${method})`,
        explanation:
          'At each fraction of labels, a model trained on the labelled samples alone (the plain baseline) and one trained with the method on all samples, the others unlabelled; validation macro-F1 on held-out records with all their labels.',
        headers: ['Labels used', 'Supervised macro-F1', `${method} macro-F1`, 'Gain', 'Models'],
        modelColumn: 4,
        rows: rowsOf(r['rows']).map((x) => {
          const sup = (x['supervised'] ?? {}) as Row;
          const semi = (x['semiSupervised'] ?? {}) as Row;
          return [
            `${Math.round((num(x['fraction']) ?? 0) * 100)}%`,
            formatPercent(sup['macroF1']),
            formatPercent(semi['macroF1']),
            points(semi['macroF1'], sup['macroF1']),
            `${String(sup['modelId'])}${mark(sup['modelId'])} / ${String(semi['modelId'])}${mark(semi['modelId'])}`,
          ];
        }),
      };
    }
    case 'low-bit': {
      const rows = rowsOf(r['rows']);
      const float = rows.find((x) => x['method'] === 'float');
      return {
        title: 'Low-bit training',
        explanation:
          'Fully quantized training (8-bit weights, activations and gradients) against quantization-aware training of the float baseline, scored on the test split.',
        headers: ['Method', 'How', 'Accuracy', 'Macro-F1', 'Change vs float', 'Model'],
        modelColumn: 5,
        rows: rows.map((x) => [
          `${String(x['method'])}${x === float ? ' (baseline)' : ''}`,
          x['description'],
          formatPercent(x['accuracy']),
          formatPercent(x['macroF1']),
          float !== undefined && x !== float ? points(x['macroF1'], float['macroF1']) : '—',
          `${String(x['modelId'])}${mark(x['modelId'])}`,
        ]),
      };
    }
    case 'activation-sparsity':
      return {
        title: `Activation sparsity and latency (${String(r['split'] ?? '')} split)`,
        explanation:
          'Share of activations that are exactly zero, and the multiply-accumulates a kernel skipping zero inputs would still do. Latency is measured with dense kernels, which do not skip zeros.',
        headers: ['Model', 'Zero activations', 'Multiply-accumulates (nonzero / all)', 'Latency per sample'],
        rows: rowsOf(r['models']).map((x) => [
          who(x['modelId']),
          formatPercent(x['overallZeroFraction']),
          `${formatNumber((num(x['effectiveMacs']) ?? NaN) / 1e6, 2)}M / ${formatNumber((num(x['denseMacs']) ?? NaN) / 1e6, 2)}M`,
          num(x['latencyMs']) !== undefined ? `${formatNumber(x['latencyMs'], 3)} ms` : 'not measured',
        ]),
      };
    case 'attribution':
      return {
        title: 'Attribution sparseness and stability (Integrated Gradients)',
        explanation:
          'Gini index of the attributions (higher: the explanation points at fewer input values), and how much of the explanation survives a small input perturbation (top-10% overlap, rank correlation; higher is steadier).',
        headers: ['Model', 'Gini', 'Top-10% overlap', 'Rank correlation', 'Predictions flipped'],
        rows: rowsOf(r['models']).map((x) => [
          who(x['modelId']),
          formatNumber(x['gini'], 3),
          formatNumber(x['topOverlap'], 3),
          formatNumber(x['rankCorrelation'], 3),
          `${String(x['flipped'])} of ${String(x['samples'])}`,
        ]),
      };
    case 'membership-defense': {
      const before = (r['before'] ?? {}) as Row;
      const after = (r['after'] ?? {}) as Row;
      const attack = (side: Row, key: 'lossThreshold' | 'lira', field: 'auc' | 'advantage') =>
        formatPercent(((side[key] ?? {}) as Row)[field]);
      return {
        title: 'Membership-inference defence',
        explanation: `The attack on ${String(r['members'])} training samples and ${String(r['nonMembers'])} test samples, against the plain model (before) and the defended child (after). An advantage near 0 and an AUC near 50% mean the attacker cannot tell members.`,
        headers: ['', 'Before the defence', 'After the defence'],
        rows: [
          ['Model', who(before['modelId']), who(after['modelId'])],
          ['Test accuracy', formatPercent(before['accuracy']), formatPercent(after['accuracy'])],
          [
            'Loss-threshold attack AUC',
            attack(before, 'lossThreshold', 'auc'),
            attack(after, 'lossThreshold', 'auc'),
          ],
          [
            'Loss-threshold attack advantage',
            attack(before, 'lossThreshold', 'advantage'),
            attack(after, 'lossThreshold', 'advantage'),
          ],
          ['LiRA advantage', attack(before, 'lira', 'advantage'), attack(after, 'lira', 'advantage')],
        ],
      };
    }
    case 'augmentation': {
      const generators = rowsOf(r['generators']);
      return {
        title: 'Augmentation, including synthetic images',
        explanation: `Per share of the training data, a model without augmentation (the plain baseline) beside classical augmentation, synthetic patches from a generator trained on the same share, and both; scored on the test split. ${String(r['summary'] ?? '')}${generators.length > 0 ? ` Leak check of the generators (nearest-neighbour distance to training images): ${generators.map((g) => `${String(g['generatorId'])} ${String(g['verdict'])}`).join(', ')}.` : ''}`,
        headers: ['Data', 'Augmentation', 'Accuracy', 'Macro-F1 (± sd)', 'Gain in macro-F1', 'Models'],
        modelColumn: 5,
        rows: rowsOf(r['rows']).map((x) => [
          `${Math.round((num(x['fraction']) ?? 0) * 100)}%`,
          `${String(x['configuration'])}${x['configuration'] === 'none' ? ' (baseline)' : ''}`,
          formatPercent(x['meanAccuracy']),
          `${formatPercent(x['meanMacroF1'])} ± ${formatPercent(x['sdMacroF1'])}`,
          x['configuration'] === 'none' ? '—' : points(x['gainMacroF1'], 0),
          rowsOf(x['runs'])
            .map((run) => `${String(run['modelId'])}${mark(run['modelId'])}`)
            .join(' '),
        ]),
      };
    }
    default: {
      // A comparison kind this report does not know yet: its flat figures, row by row.
      const rows = rowsOf(r['rows'] ?? r['models']);
      const headers = Object.keys(rows[0] ?? {}).filter((k) => typeof rows[0]?.[k] !== 'object');
      return {
        title: c.kind,
        explanation: 'Figures as stored.',
        headers,
        rows: rows.map((x) => headers.map((h) => (typeof x[h] === 'number' ? formatNumber(x[h]) : x[h]))),
      };
    }
  }
}

function tables(methods: MethodsReport): (ComparisonTable & { roles: string })[] {
  const mark = (modelId: unknown) => (methods.lineage.includes(String(modelId)) ? ' (this model)' : '');
  const who = (modelId: unknown) =>
    `${String(modelId)}, ${methods.methodOf[String(modelId)] ?? 'plain'}${mark(modelId)}`;
  return methods.comparisons.map((c) => {
    const t = describe(c, mark, who);
    const ours = c.models.filter((m) => methods.lineage.includes(m.modelId));
    return {
      ...t,
      title: `${t.title}: comparison ${c.id}, ${c.createdAt}, ${c.backend}${c.datasetId !== null ? `, dataset ${c.datasetId}` : ''}`,
      roles:
        ours.length > 0
          ? `Taking part: ${ours.map((m) => `${m.modelId} as "${m.role}"`).join(', ')}.`
          : 'This model takes no part: the comparison ran on its dataset.',
    };
  });
}

const SETTINGS_NOTE =
  'Each method is compared with plain training (constant learning rate, all labels, float32, no extra loss term, no augmentation) on the same data and seed.';

export function methodsSectionHtml(methods: MethodsReport): string {
  const settings =
    methods.settings.length > 0
      ? `<p>This model (or the model it was derived from) was trained with:</p>${table(
          ['Method', 'Setting'],
          methods.settings.map((s) => [s.label, s.value]),
        )}`
      : '<p>This model was trained plainly: it is the baseline of the comparisons below.</p>';
  const compared =
    methods.comparisons.length > 0
      ? tables(methods)
          .map(
            (t) =>
              `<h3>${escapeHtml(t.title)}</h3><p class="muted">${escapeHtml(t.explanation)}</p>${table(t.headers, t.rows)}<p>${escapeHtml(t.roles)}</p>`,
          )
          .join('\n')
      : '<p class="warn">No comparison with the plain baseline is stored for this model or its dataset yet (Compare methods in the app, or <code>attest lr compare</code>, <code>semi compare</code>, <code>lowbit compare</code>, <code>models sparsity</code>, <code>explain</code>, <code>defend membership --compare</code>, <code>augment compare</code>).</p>';
  return `${settings}<p class="muted">${escapeHtml(SETTINGS_NOTE)}</p>\n${compared}`;
}

export function methodsSectionPdf(pdf: PdfWriter, methods: MethodsReport): void {
  pdf.heading(METHODS_SECTION_TITLE);
  if (methods.settings.length > 0) pdf.keyValues(methods.settings.map((s) => [s.label, s.value]));
  else pdf.paragraph('This model was trained plainly: it is the baseline of the comparisons below.');
  pdf.paragraph(SETTINGS_NOTE, 'muted');
  if (methods.comparisons.length === 0)
    pdf.paragraph(
      'No comparison with the plain baseline is stored for this model or its dataset yet.',
      'bad',
    );
  for (const t of tables(methods)) {
    const keep = (_: unknown, k: number) => k !== t.modelColumn;
    pdf.paragraph(t.title);
    pdf.paragraph(t.explanation, 'muted');
    pdf.table(
      t.headers.filter(keep),
      t.rows.map((row) => row.filter(keep)),
    );
    pdf.paragraph(t.roles);
  }
}
