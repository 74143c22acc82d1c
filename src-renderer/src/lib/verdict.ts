/** Reading the findings and the policy verdict stored with a validation (older validations have neither). */
export interface Finding {
  code: string;
  severity: 'critical' | 'warning' | 'note';
  message: string;
}

export interface VerdictGate {
  gate: string;
  limit: number;
  value: number | null;
  status: 'pass' | 'fail' | 'undecided';
  interval?: [number, number] | null;
  intervalMethod?: string;
  detail: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function findingsOf(result: Record<string, unknown>): Finding[] {
  const findings = result['findings'];
  if (!Array.isArray(findings)) return [];
  return findings.filter(
    (f): f is Finding => isRecord(f) && typeof f['message'] === 'string' && typeof f['severity'] === 'string',
  );
}

export function verdictOf(
  result: Record<string, unknown>,
): { verdict: string; name: string | null; gates: VerdictGate[] } | undefined {
  const policy = result['policy'];
  if (!isRecord(policy) || !Array.isArray(policy['gates'])) return undefined;
  const gates = (policy['gates'] as Record<string, unknown>[]).map((g) => ({
    ...(g as unknown as VerdictGate),
    status: (g['status'] ?? (g['pass'] === true ? 'pass' : 'fail')) as VerdictGate['status'],
  }));
  const verdict =
    typeof policy['verdict'] === 'string' ? policy['verdict'] : policy['pass'] === true ? 'PASS' : 'FAIL';
  return { verdict, name: typeof policy['name'] === 'string' ? policy['name'] : null, gates };
}
