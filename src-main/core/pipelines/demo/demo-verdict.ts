import type { Policy } from '../../validate/policy.js';
import type { Finding } from '../../validate/findings.js';
import { policyTemplate, templateForDataset } from '../../validate/policy-templates.js';

/**
 * The demo's default acceptance profile: the domain's template, and for the compressed child at most 2 points of
 * accuracy and 5 points of any class's sensitivity lost against its parent. The demo shows what a reviewer would
 * see, so a weak baseline or too few test records gives a FAIL or a verdict not decided, as it should.
 */
export function demoAcceptanceProfile(kind: string, classes: string[], derived: boolean): Policy | undefined {
  const name = templateForDataset(kind, classes);
  if (name === undefined) return undefined;
  const template = policyTemplate(name);
  return {
    ...template,
    name: `${template.name ?? name} (demo default)`,
    ...(derived ? { maxAccuracyDrop: 0.02, maxClassRecallDrop: 0.05 } : {}),
  };
}

export interface DemoVerdict {
  verdict: string | null;
  findings: Finding[];
}

/** The verdict and findings of one demo validation, for its output. */
export function demoVerdict(result: unknown): DemoVerdict {
  const r = result as { policy?: { verdict?: string }; findings?: Finding[] };
  return { verdict: r.policy?.verdict ?? null, findings: r.findings ?? [] };
}

/** Lines for the human output: the verdict and every critical finding or warning. */
export function demoVerdictLines(label: string, v: DemoVerdict): string[] {
  return [
    `  ${label}: verdict ${v.verdict ?? 'none'}, ${v.findings.length} finding${v.findings.length === 1 ? '' : 's'}`,
    ...v.findings.filter((f) => f.severity !== 'note').map((f) => `    ${f.severity}: ${f.message}`),
  ];
}
