import type { FgsmResult } from './fgsm.js';
import type { ClassificationMetrics } from './metrics.js';
import type { NoiseStressResult } from './noise-stress.js';
import type { BootstrapIntervals, Interval } from './record-bootstrap.js';

/**
 * One stored number. Names are snake_case and say what the value is; `params` says where it applies (class,
 * epsilon, noise, SNR). A metric that is undefined (e.g. sensitivity of a class without support) is null.
 */
export interface MetricRow {
  suite: string;
  name: string;
  value: number | null;
  params?: Record<string, string | number>;
}

export interface ValidationResults {
  clean?: ClassificationMetrics & { bootstrap?: BootstrapIntervals | null };
  fgsm?: FgsmResult;
  noise?: NoiseStressResult;
}

/** Flattens suite results into metric rows, in a stable order: clean, fgsm, noise. */
export function metricRows(results: ValidationResults): MetricRow[] {
  return [
    ...(results.clean !== undefined ? cleanRows(results.clean) : []),
    ...(results.fgsm !== undefined ? fgsmRows(results.fgsm) : []),
    ...(results.noise !== undefined ? noiseRows(results.noise) : []),
  ];
}

/** A 95% interval as two rows, NAME_ci95_low and NAME_ci95_high (nulls where undefined). */
function intervalRows(
  suite: string,
  name: string,
  value: Interval | null | undefined,
  params?: Record<string, string | number>,
): MetricRow[] {
  if (value === undefined) return [];
  const at = params !== undefined ? { params } : {};
  return [
    { suite, name: `${name}_ci95_low`, value: value?.[0] ?? null, ...at },
    { suite, name: `${name}_ci95_high`, value: value?.[1] ?? null, ...at },
  ];
}

function cleanRows(m: ClassificationMetrics & { bootstrap?: BootstrapIntervals | null }): MetricRow[] {
  const suite = 'clean';
  const b = m.bootstrap ?? undefined;
  const rows: MetricRow[] = [
    { suite, name: 'n', value: m.n },
    { suite, name: 'accuracy', value: m.accuracy },
    { suite, name: 'macro_f1', value: m.macroF1 },
    ...intervalRows(suite, 'accuracy', b?.accuracy),
    ...intervalRows(suite, 'macro_f1', b?.macroF1),
  ];
  for (const c of m.perClass) {
    const params = { class: c.label };
    rows.push(
      { suite, name: 'support', value: c.support, params },
      { suite, name: 'predicted', value: c.predicted, params },
      { suite, name: 'sensitivity', value: c.sensitivity, params },
      { suite, name: 'positive_predictivity', value: c.positivePredictivity, params },
      { suite, name: 'f1', value: c.f1, params },
      ...intervalRows(
        suite,
        'sensitivity',
        b !== undefined ? (b.perClass[c.label]?.sensitivity ?? null) : undefined,
        params,
      ),
      ...intervalRows(
        suite,
        'positive_predictivity',
        b !== undefined ? (b.perClass[c.label]?.positivePredictivity ?? null) : undefined,
        params,
      ),
      ...intervalRows(suite, 'f1', b !== undefined ? (b.perClass[c.label]?.f1 ?? null) : undefined, params),
    );
  }
  m.confusion.forEach((row, t) =>
    row.forEach((count, p) =>
      rows.push({
        suite,
        name: 'confusion',
        value: count,
        params: { true: m.labels[t] as string, predicted: m.labels[p] as string },
      }),
    ),
  );
  return rows;
}

function fgsmRows(r: FgsmResult): MetricRow[] {
  const suite = 'fgsm';
  const rows: MetricRow[] = [
    { suite, name: 'n', value: r.n },
    { suite, name: 'clean_accuracy', value: r.cleanAccuracy },
  ];
  for (const point of r.points) {
    const params = { epsilon: point.epsilon, unit: r.unit, norm: r.norm };
    rows.push(
      { suite, name: 'accuracy', value: point.accuracy, params },
      { suite, name: 'attack_success_rate', value: point.attackSuccessRate, params },
    );
  }
  return rows;
}

function noiseRows(r: NoiseStressResult): MetricRow[] {
  const suite = 'noise';
  const rows: MetricRow[] = [
    { suite, name: 'clean_accuracy', value: r.clean.accuracy },
    { suite, name: 'clean_macro_f1', value: r.clean.macroF1 },
  ];
  for (const curve of r.noises) {
    if (curve.kind !== 'amplitude-scaling')
      rows.push({ suite, name: 'noise_rms_mv', value: curve.noiseRms, params: { noise: curve.noise } });
    for (const point of curve.points) {
      const params = { noise: curve.noise, snr_db: point.snrDb };
      rows.push(
        { suite, name: 'accuracy', value: point.accuracy, params },
        { suite, name: 'macro_f1', value: point.macroF1, params },
      );
      for (const [label, value] of Object.entries(point.sensitivity ?? {}))
        rows.push({ suite, name: 'sensitivity', value, params: { ...params, class: label } });
    }
  }
  return rows;
}
