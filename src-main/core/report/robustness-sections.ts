import { escapeHtml, formatNumber, formatPercent, lineChart, table } from './html.js';
import type {
  StoredCalibrationFigures,
  StoredCalibrationResult,
  StoredCleanResult,
} from '../validate/clean-suites-schema.js';
import type {
  StoredAttackSweep,
  StoredSweepsResult,
  StoredTransferResult,
} from '../validate/attack-suites-schema.js';
import type { StoredDisagreementResult } from '../validate/disagreement-suite-schema.js';
import type {
  StoredMembershipFigures,
  StoredMembershipQuestion,
  StoredMembershipResult,
} from '../validate/membership-suite-schema.js';
import type { StoredMutationDetectionResult } from '../validate/mutation-detection-schema.js';
import type { StoredPolicyResult } from '../validate/findings-schema.js';
import type { StoredCorruptionsResult } from '../validate/corruptions-suite-schema.js';
import type { StoredAttributionResult } from '../validate/attribution-suite-schema.js';
import { gateMeasured } from './verdict-section.js';

/**
 * Report sections of the validation suites beyond the first three: ROC and specificity, calibration, the attack
 * sweeps (PGD, sparse, Square) and the transfer attack from the parent. Each takes its suite's stored result as
 * its schema types it (`validate/*-schema.ts`; undefined when the suite did not run) and shows the parent's
 * figures beside the model's.
 */

/** TPR of a ROC curve at a grid of FPRs (the best TPR reached without exceeding each FPR). */
function tprAtGrid(points: { fpr: number; tpr: number }[], grid: number[]): { x: number; y: number }[] {
  return grid.map((x) => ({
    x,
    y: Math.max(0, ...points.filter((p) => p.fpr <= x + 1e-12).map((p) => p.tpr)),
  }));
}

export function rocSection(m: StoredCleanResult | undefined, p: StoredCleanResult | undefined): string {
  if (m?.roc === undefined) return '';
  const rows = m.perClass.map((c) => {
    const auc = m.roc?.perClass.find((r) => r.label === c.label)?.auc;
    const other = p?.perClass.find((x) => x.label === c.label);
    const otherAuc = p?.roc?.perClass.find((r) => r.label === c.label)?.auc;
    return p !== undefined
      ? [
          c.label,
          formatPercent(c.specificity),
          formatNumber(auc, 3),
          formatPercent(other?.specificity),
          formatNumber(otherAuc, 3),
        ]
      : [c.label, formatPercent(c.specificity), formatNumber(auc, 3)];
  });
  rows.push(
    p !== undefined
      ? ['macro AUC', '', formatNumber(m.roc.macroAuc, 3), '', formatNumber(p.roc?.macroAuc, 3)]
      : ['macro AUC', '', formatNumber(m.roc.macroAuc, 3)],
  );
  const header =
    p !== undefined
      ? ['Class', 'specificity', 'AUC (one vs rest)', 'parent specificity', 'parent AUC']
      : ['Class', 'specificity', 'AUC (one vs rest)'];
  const grid = Array.from({ length: 11 }, (_, i) => i / 10);
  const rule =
    m.decisionRule?.kind === 'threshold'
      ? `<p>Operating point: class <b>${escapeHtml(m.decisionRule.positiveClass)}</b> when its probability is at least ${escapeHtml(m.decisionRule.threshold)}, otherwise the most probable other class. Every figure above is at this threshold.</p>`
      : '<p class="muted">Decision: the most probable class (no operating threshold set).</p>';
  const temperature =
    m.temperature !== undefined
      ? `<p>Probabilities temperature-scaled (T = ${formatNumber(m.temperature.temperature, 3)}) before deciding.</p>`
      : '';
  return [
    rule,
    temperature,
    table(header, rows),
    lineChart({
      title: 'ROC curves (one vs rest)',
      xLabel: 'false positive rate',
      yLabel: 'true positive rate',
      yMin: 0,
      yMax: 1,
      series: m.roc.perClass
        .filter((r) => r.auc !== null)
        .map((r) => ({
          name: `${r.label} (AUC ${formatNumber(r.auc, 3)})`,
          points: tprAtGrid(r.points, grid),
        })),
    }),
  ].join('\n');
}

export function calibrationSection(
  m: StoredCalibrationResult | undefined,
  p: StoredCalibrationResult | undefined,
): string {
  if (m === undefined) return '';
  const line = (label: string, f: StoredCalibrationFigures | null | undefined): unknown[] => [
    label,
    formatPercent(f?.ece),
    formatPercent(f?.mce),
    formatNumber(f?.nll, 4),
    formatNumber(f?.brier, 4),
  ];
  const rows = [
    line('This model', m.before),
    ...(m.after !== null ? [line('This model, temperature-scaled', m.after)] : []),
  ];
  if (p !== undefined) {
    rows.push(line('Parent', p.before));
    if (p.after !== null) rows.push(line('Parent, temperature-scaled', p.after));
  }
  const fit =
    m.temperature !== null
      ? `<p>Temperature T = ${formatNumber(m.temperature.temperature, 3)}, fitted by minimising the negative log-likelihood on the ${m.temperature.fittedOn.n} samples of the training run's validation records (${escapeHtml(m.temperature.fittedOn.groups.join(' '))}), never on the split judged here. T &gt; 1 softens an overconfident model; the predicted class never changes.</p>${m.temperature.atRangeLimit === true ? '<p class="warn">The fit stopped at the end of its range (0.05 to 20): the validation records are classified perfectly or near chance, so this temperature is not a reliable calibration.</p>' : ''}`
      : '<p class="muted">No temperature: the training run left no validation records on this dataset.</p>';
  const diagram = (f: StoredCalibrationFigures, name: string) => ({
    name,
    points: f.bins
      .filter((b) => b.count > 0 && b.confidence !== null && b.accuracy !== null)
      .map((b) => ({ x: Math.round(((b.lower + b.upper) / 2) * 100) / 100, y: b.accuracy as number })),
  });
  return [
    table(['', `ECE (${m.before.bins.length} bins)`, 'MCE', 'NLL', 'Brier'], rows),
    fit,
    lineChart({
      title: 'Reliability diagram',
      xLabel: 'confidence (bin centre)',
      yLabel: 'accuracy',
      yMin: 0,
      yMax: 1,
      series: [
        {
          name: 'perfect calibration',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        diagram(m.before, 'this model'),
        ...(m.after !== null ? [diagram(m.after, 'temperature-scaled')] : []),
      ],
    }),
  ].join('\n');
}

function sweepName(s: StoredAttackSweep): string {
  const base =
    s.attack === 'pgd'
      ? `PGD ${s.norm}`
      : s.attack === 'sparse'
        ? 'Sparse (L0)'
        : s.attack === 'square'
          ? 'Square (L-inf)'
          : `${s.attack} ${s.norm}`;
  return s.targeted ? `${base}, targeted at ${s.target ?? '?'}` : base;
}

function sweepTable(s: StoredAttackSweep, parent: StoredAttackSweep | undefined): string {
  const targeted = s.targeted;
  const rows = s.points.map((point) => {
    const q = parent?.points.find((x) => x.epsilon === point.epsilon);
    return [
      point.epsilon,
      formatPercent(point.accuracy),
      formatPercent(point.attackSuccessRate),
      ...(targeted ? [formatPercent(point.targetSuccessRate)] : []),
      ...(parent !== undefined
        ? [
            formatPercent(q?.accuracy),
            formatPercent(q?.attackSuccessRate),
            ...(targeted ? [formatPercent(q?.targetSuccessRate)] : []),
          ]
        : []),
    ];
  });
  const header = [
    `budget (${s.unit})`,
    'accuracy',
    'attack success',
    ...(targeted ? ['reached target'] : []),
    ...(parent !== undefined
      ? ['parent accuracy', 'parent attack success', ...(targeted ? ['parent reached target'] : [])]
      : []),
  ];
  const settings = Object.entries(s.params)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  return `<h4>${escapeHtml(sweepName(s))}</h4><p class="muted">Clean accuracy ${formatPercent(s.cleanAccuracy)}; ${escapeHtml(settings)}.</p>${table(header, rows)}`;
}

/** PGD, sparse or Square sweeps of the model beside the parent's sweep of the same attack. */
export function attackSection(m: StoredSweepsResult | undefined, p: StoredSweepsResult | undefined): string {
  if (m === undefined) return '';
  const match = (s: StoredAttackSweep) => p?.sweeps.find((x) => sweepName(x) === sweepName(s));
  const series = m.sweeps.flatMap((s) => [
    { name: `${sweepName(s)} (this)`, points: s.points.map((x) => ({ x: x.epsilon, y: x.accuracy })) },
    ...(match(s) !== undefined
      ? [
          {
            name: `${sweepName(s)} (parent)`,
            points: (match(s) as StoredAttackSweep).points.map((x) => ({ x: x.epsilon, y: x.accuracy })),
          },
        ]
      : []),
  ]);
  // One chart per norm: an L2 radius and an L-inf radius of the same number are different budgets.
  const charts = [...new Set(m.sweeps.map((s) => s.norm))].map((norm) => {
    const group = m.sweeps.filter((s) => s.norm === norm);
    return lineChart({
      title: `Accuracy under attack (${norm})`,
      xLabel: `budget (${group[0]?.unit ?? ''})`,
      yLabel: 'accuracy',
      yMin: 0,
      yMax: 1,
      series: series.filter((x) => group.some((s) => x.name.startsWith(`${sweepName(s)} (`))),
    });
  });
  return [...m.sweeps.map((s) => sweepTable(s, match(s))), ...charts].join('\n');
}

export function transferSection(t: StoredTransferResult | undefined): string {
  if (t === undefined) return '';
  const source = t.sourceRole === 'surrogate' ? 'the surrogate' : 'the parent';
  const intro = `<p>PGD examples crafted on ${source} ${escapeHtml(t.sourceModelId)} (L-inf, ${escapeHtml(String(t.transfer.params['steps']))} steps) and replayed on this model${t.whiteBox !== null ? ", beside PGD on this model's own gradients" : ''}. Epsilon unit: ${escapeHtml(t.transfer.unit)}.</p>`;
  const whiteBox = t.whiteBox;
  if (whiteBox === null)
    return [
      intro,
      table(
        ['epsilon', 'accuracy on transferred examples'],
        t.transfer.points.map((point) => [point.epsilon, formatPercent(point.accuracy)]),
      ),
      `<p class="warn">No white-box comparison: ${escapeHtml(t.whiteBoxNotRun ?? 'the model has no gradients')}. The transferred examples are a black-box attack only; a model's robustness to attacks on its own gradients is not measured.</p>`,
    ].join('\n');
  const rows = t.transfer.points.map((point, e) => [
    point.epsilon,
    formatPercent(point.accuracy),
    formatPercent(whiteBox.points[e]?.accuracy),
  ]);
  const verdict = t.gradientMaskingSuspected
    ? `<p class="warn">Examples crafted on ${source} hurt this model more than its own white-box PGD at epsilon ${escapeHtml(t.maskedAt.join(', '))}: its gradients mislead attacks (gradient masking), so its white-box robustness figures overstate its real robustness.</p>`
    : `<p class="ok">No sign of gradient masking: the model's own gradients attack it at least as well as examples transferred from ${source}.</p>`;
  return [
    intro,
    table(['epsilon', 'accuracy on transferred examples', 'accuracy under own white-box PGD'], rows),
    verdict,
  ].join('\n');
}

/** What the compression changed: flipped samples, per-class recall change and its significance, exemplars. */
export function disagreementSection(d: StoredDisagreementResult | undefined): string {
  if (d === undefined) return '';
  const seeds = `${d.populations.model.length} compressed model(s) against ${d.populations.parent.length} parent(s)`;
  const rows = d.perClass.map((c) => [
    `${c.label} (n=${c.support})`,
    formatPercent(c.parentRecall),
    formatPercent(c.modelRecall),
    c.change !== null ? `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)} pt` : '—',
    `${c.mcnemar.lost} / ${c.mcnemar.gained}`,
    formatNumber(c.mcnemar.pValue, 4),
    c.welch !== null ? formatNumber(c.welch.pValue, 4) : '—',
    c.significant ? 'yes' : 'no',
  ]);
  const flips = d.flipped
    .slice(0, 20)
    .map((f) => [f.index, f.group, f.label, f.parent, f.model, formatPercent(f.modelConfidence)]);
  return [
    `<p>${d.flippedCount} of ${d.n} samples (${formatPercent(d.disagreement)}) changed prediction against the parent ${escapeHtml(d.parentId)}: ${d.lostCount} were right and became wrong, ${d.gainedCount} the reverse. Populations: ${escapeHtml(seeds)}.</p>`,
    table(
      [
        'Class',
        'parent recall',
        'model recall',
        'change',
        'lost / gained',
        'McNemar p',
        'Welch p (seeds)',
        'significant',
      ],
      rows,
    ),
    `<p class="muted">Significant: p below 0.05 divided by the number of classes (Bonferroni), from Welch's test over seeds where several models of each side exist, else McNemar's exact test on this pair.</p>`,
    `<p>Pruning-identified exemplars (the compressed models' most frequent prediction differs from the parents'): ${d.pies.count}; the parent is right on ${formatPercent(d.pies.parentAccuracyOnPies)} of them and on ${formatPercent(d.pies.parentAccuracyElsewhere)} of the other samples.</p>`,
    flips.length > 0
      ? `<h4>Flipped samples (first ${flips.length}, lost ones first)</h4>${table(['sample', 'record', 'true', 'parent', 'model', 'model confidence'], flips)}`
      : '',
  ].join('\n');
}

function membershipRowsOf(q: {
  model: StoredMembershipFigures;
  parent: StoredMembershipFigures | null;
}): unknown[][] {
  const line = (who: string, name: string, a: StoredMembershipFigures['lira']): unknown[] => [
    who,
    name,
    formatNumber(a?.auc, 3),
    formatPercent(a?.advantage),
    formatPercent(a?.tprAtFpr0001),
    formatPercent(a?.tprAtFpr001),
  ];
  return [
    line('This model', 'loss threshold', q.model.lossThreshold),
    ...(q.model.lira !== null ? [line('This model', 'LiRA (offline)', q.model.lira)] : []),
    ...(q.parent !== null
      ? [
          line('Parent', 'loss threshold', q.parent.lossThreshold),
          ...(q.parent.lira !== null ? [line('Parent', 'LiRA (offline)', q.parent.lira)] : []),
        ]
      : []),
  ];
}

const MEMBERSHIP_HEADER = ['', 'attack', 'AUC', 'advantage', 'TPR at 0.1% FPR', 'TPR at 1% FPR'];

/** Membership inference before (parent) and after (this model) compression, each question with its population. */
export function membershipSection(m: StoredMembershipResult | undefined): string {
  if (m === undefined) return '';
  const shadows =
    m.shadows !== null
      ? `LiRA uses ${m.shadows.count} shadow ${escapeHtml(m.shadows.arch)} models per question, each trained ${m.shadows.epochs} epochs on a random half of the pooled samples (or patients)${m.shadows.note !== undefined ? `; ${escapeHtml(m.shadows.note)}` : ''}.`
      : 'No shadow model was trained (loss-threshold attack only).';
  const legend = `${shadows} An AUC near 0.5 and an advantage near 0 mean the attack cannot tell members apart; "—" at a false positive rate means fewer than ten non-members could be false positives at that rate (1,000 non-members for 1%, 10,000 for 0.1%), too few to resolve it.`;
  if (m.sampleLevel === undefined || m.patientLevel === undefined)
    return [
      `<p>${m.members} training samples of the model (members) against ${m.nonMembers} test samples it never saw. ${legend}</p>`,
      table(MEMBERSHIP_HEADER, membershipRowsOf(m)),
    ].join('\n');
  const question = (title: string, q: StoredMembershipQuestion | { unavailable: string }): string =>
    'unavailable' in q
      ? `<h4>${title}</h4><p>Not asked: ${escapeHtml(q.unavailable)}.</p>`
      : `<h4>${title}</h4><p>Population: ${escapeHtml(q.population)}.</p>${table(MEMBERSHIP_HEADER, membershipRowsOf(q))}`;
  return [
    `<p>${legend}</p>`,
    question('Was this beat in the training data? (sample level)', m.sampleLevel),
    question('Was this patient in the training data? (patient level)', m.patientLevel),
  ].join('\n');
}

/** nMutant-style adversarial detection: label change rate under model mutations, SPRT decisions. */
export function detectionSection(d: StoredMutationDetectionResult | undefined): string {
  if (d === undefined) return '';
  const rows = d.attacks.map((a) => [
    a.attack,
    a.adversarial,
    formatPercent(a.meanLcrNormal),
    formatPercent(a.meanLcrAdversarial),
    formatNumber(a.auc, 3),
    formatPercent(a.detectionRate),
    formatPercent(a.falsePositiveRate),
    formatNumber(a.meanMutantsUsed, 1),
  ]);
  return [
    `<p>${d.acceptedMutants} mutants (Gaussian fuzzing of ${formatPercent(d.mutation.rate)} of each kernel's weights by ${d.mutation.scale} standard deviation; ${d.discardedMutants} discarded for changing too many normal labels). The label change rate (LCR) threshold ${formatPercent(d.sprt.threshold)} is calibrated on ${d.referenceInputs} normal test inputs that are not scored, so that the SPRT (alpha = beta = ${d.sprt.alpha}), which decides each input, flags about ${formatPercent(d.sprt.alpha)} of normal inputs or fewer${d.calibration?.calibrated === false ? ' <strong>(too few normal inputs to calibrate it: the false-positive rate below is not held to that design point)</strong>' : ''}; the false-positive rate below is measured on the other normal inputs. Each adversarial example is taken at the smallest epsilon (up to ${escapeHtml(d.attacks[0]?.epsilon)}) that fools the model.</p>`,
    table(
      [
        'attack',
        'adversarial inputs',
        'mean LCR normal',
        'mean LCR adversarial',
        'AUC',
        'detected (SPRT)',
        'false alarms (SPRT)',
        'mutants per decision',
      ],
      rows,
    ),
  ].join('\n');
}

/** The reviewer's gates: pass, fail or not decided each, with the interval behind the decision. */
export function policySection(p: StoredPolicyResult | undefined): string {
  if (p === undefined) return '';
  const verdict = p.verdict ?? (p.pass ? 'PASS' : 'FAIL');
  const open = p.gates.filter((g) => (g.status ?? (g.pass ? 'pass' : 'fail')) !== 'pass').length;
  const summary =
    verdict === 'PASS'
      ? `<p class="ok">Policy ${escapeHtml(p.name ?? '')} passed: every gate holds.</p>`
      : `<p class="bad">Policy ${escapeHtml(p.name ?? '')}: ${escapeHtml(verdict)}, ${open} of ${p.gates.length} gates not passed.</p>`;
  return [
    summary,
    p.file !== undefined ? `<p class="muted">Read from <code>${escapeHtml(p.file)}</code>.</p>` : '',
    table(
      ['gate', 'what', 'limit', 'measured [interval]', 'interval method', 'result'],
      p.gates.map((g) => {
        const status = g.status ?? (g.pass ? 'pass' : 'fail');
        return [
          g.gate,
          g.detail,
          formatNumber(g.limit, 4),
          gateMeasured({ ...g, status }),
          g.intervalMethod ?? '—',
          status === 'pass' ? 'pass' : status === 'fail' ? 'FAIL' : 'not decided: more data needed',
        ];
      }),
    ),
  ].join('\n');
}

/** Natural image corruptions: accuracy per severity, corruption errors relative to the parent. */
export function corruptionsSection(r: StoredCorruptionsResult | undefined): string {
  if (r === undefined) return '';
  const rows = r.corruptions.map((c) => [
    c.name,
    ...c.points.map((q) => formatPercent(q.accuracy)),
    formatPercent(c.meanAccuracy),
    formatNumber(c.corruptionError, 3),
    formatNumber(c.relativeCorruptionError, 3),
  ]);
  return [
    `<p>${r.n} test images, clean accuracy ${formatPercent(r.cleanAccuracy)}${r.parentCleanAccuracy !== null ? ` (parent ${formatPercent(r.parentCleanAccuracy)})` : ''}. Mean corruption accuracy ${formatPercent(r.meanCorruptionAccuracy)}; mCE against the parent ${formatNumber(r.mCE, 3)}, relative mCE ${formatNumber(r.relativeMCE, 3)} (above 1: the model suffers more than its parent).</p>`,
    table(['corruption', 'severity 1', '2', '3', '4', '5', 'mean', 'CE', 'relative CE'], rows),
    lineChart({
      title: 'Accuracy under corruption',
      xLabel: 'severity',
      yLabel: 'accuracy',
      yMin: 0,
      yMax: 1,
      series: r.corruptions.map((c) => ({
        name: c.name,
        points: c.points.map((q) => ({ x: q.severity, y: q.accuracy })),
      })),
    }),
  ].join('\n');
}

/** The samples explained, with where their Integrated Gradients concentrate (the UI draws the maps). */
export function attributionSection(a: StoredAttributionResult | undefined): string {
  if (a === undefined) return '';
  const rows = a.samples.map((s) => {
    const top = s.integratedGradients
      .map((v, i) => [i, Math.abs(v)] as const)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 5)
      .map(([i]) => i);
    return [
      s.index,
      s.group,
      s.label,
      s.predicted,
      formatPercent(s.probability),
      top.join(' '),
      formatNumber(s.completenessError, 5),
    ];
  });
  return [
    `<p>${escapeHtml(a.method)}, ${a.steps} steps.</p>`,
    table(
      [
        'sample',
        'record',
        'true',
        'predicted',
        'probability',
        'largest |IG| at input positions',
        'completeness error',
      ],
      rows,
    ),
  ].join('\n');
}
