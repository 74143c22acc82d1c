/**
 * Reading a stored validation result. The engine returns it as open JSON (suites grow over time), so each part
 * is checked for the fields a chart needs and left out when it is not there.
 */
export interface CleanResult {
  accuracy: number;
  macroF1: number;
  labels: string[];
  confusion: number[][];
  perClass: {
    label: string;
    support: number;
    sensitivity: number | null;
    positivePredictivity: number | null;
    f1: number | null;
  }[];
  bootstrap?: { accuracy: [number, number]; macroF1: [number, number]; level: number };
}

export interface CurvePoint {
  x: number;
  accuracy: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function cleanOf(result: Record<string, unknown>): CleanResult | undefined {
  const clean = result['clean'];
  if (!isRecord(clean) || typeof clean['accuracy'] !== 'number' || !Array.isArray(clean['confusion']))
    return undefined;
  return clean as unknown as CleanResult;
}

export function fgsmOf(result: Record<string, unknown>): { unit: string; points: CurvePoint[] } | undefined {
  const fgsm = result['fgsm'];
  if (!isRecord(fgsm) || !Array.isArray(fgsm['points'])) return undefined;
  const points = (fgsm['points'] as Record<string, unknown>[])
    .filter((p) => typeof p['epsilon'] === 'number' && typeof p['accuracy'] === 'number')
    .map((p) => ({ x: p['epsilon'] as number, accuracy: p['accuracy'] as number }));
  return { unit: typeof fgsm['unit'] === 'string' ? fgsm['unit'] : '', points };
}

export function noiseOf(
  result: Record<string, unknown>,
): { noise: string; points: CurvePoint[] }[] | undefined {
  const noise = result['noise'];
  if (!isRecord(noise) || !Array.isArray(noise['noises'])) return undefined;
  return (noise['noises'] as Record<string, unknown>[]).map((curve) => ({
    noise: String(curve['noise']),
    points: (Array.isArray(curve['points']) ? (curve['points'] as Record<string, unknown>[]) : [])
      .filter((p) => typeof p['snrDb'] === 'number' && typeof p['accuracy'] === 'number')
      .map((p) => ({ x: p['snrDb'] as number, accuracy: p['accuracy'] as number })),
  }));
}

/** Noise names as the ECG noise stress test calls them. */
export const NOISE_NAMES: Record<string, string> = {
  bw: 'baseline wander',
  ma: 'muscle artifact',
  em: 'electrode motion',
  pl50: 'power line 50 Hz',
  pl60: 'power line 60 Hz',
  offset: 'DC offset',
  scale: 'amplitude scaling',
};
