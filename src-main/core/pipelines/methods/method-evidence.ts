import type { Workspace } from '../../store/workspace.js';
import { appendAuditEvent } from '../../audit/log.js';
import type { MethodReproduction } from './reproduce.js';

/**
 * Whether a research method's effect has been shown on this installation: the newest `attest methods
 * reproduce` of it, recorded as an audit event, or none. Every place that offers a method (compress recipes,
 * training options, the defence, nMutant detection) carries this beside its result, so that a method whose
 * effect is not shown is never offered as if it worked.
 */
export type EvidenceVerdict = 'shown' | 'not shown' | 'inconclusive' | 'not measured';

export interface MethodEvidence {
  method: string;
  verdict: EvidenceVerdict;
  /** One sentence for the reader of the result: "effect shown ..." or "effect not shown: ...". */
  note: string;
  claim?: string;
  measuredAt?: string;
  seeds?: number;
  mean?: number;
  interval?: [number, number] | null;
}

/** Where each method is offered, for the note. */
const OFFERED_AS: Record<string, string> = {
  'lowrank-lp': 'compress recipe lowrank:R:p=P (robust l_p low-rank)',
  nmutant: 'validate --suite detection (nMutant)',
  'diversity-training': 'train --harden diverse:EPS',
  'membership-defense': 'defend membership (DMP)',
};

/** Records a reproduction's figures for each method, audited, so that the places offering it can cite them. */
export function recordReproductions(workspace: Workspace, reproductions: MethodReproduction[]): void {
  workspace.db.transaction(() => {
    for (const r of reproductions)
      appendAuditEvent(workspace.db, {
        action: 'method.reproduce',
        entityType: 'method',
        entityId: r.method,
        payload: {
          params: { seeds: r.seeds },
          result: {
            verdict: r.verdict,
            claim: r.claim,
            effect: r.effect,
            task: r.task,
            mean: r.mean,
            interval: r.interval,
            effects: r.effects,
          },
        },
      });
  })();
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

/** The evidence for one method: its newest recorded reproduction, or "not measured". */
export function methodEvidence(workspace: Workspace, method: string): MethodEvidence {
  const row = workspace.db
    .prepare(
      "SELECT at, payload_json FROM audit_events WHERE action = 'method.reproduce' AND entity_id = ? ORDER BY seq DESC LIMIT 1",
    )
    .get(method) as { at: string; payload_json: string } | undefined;
  const offered = OFFERED_AS[method] ?? method;
  if (row === undefined)
    return {
      method,
      verdict: 'not measured',
      note: `effect not shown: ${offered} has not been reproduced on this installation (attest methods reproduce --method ${method}); its result is offered without a measured effect`,
    };
  const payload = JSON.parse(row.payload_json) as {
    params?: { seeds?: number[] };
    result?: {
      verdict?: EvidenceVerdict;
      claim?: string;
      task?: string;
      mean?: number;
      interval?: [number, number] | null;
    };
  };
  const result = payload.result ?? {};
  const verdict = result.verdict ?? 'inconclusive';
  const seeds = payload.params?.seeds?.length ?? 0;
  const figures =
    `mean effect ${pct(result.mean ?? 0)} points over ${seeds} seeds` +
    (result.interval != null
      ? `, 95% interval ${pct(result.interval[0])} to ${pct(result.interval[1])}`
      : '');
  return {
    method,
    verdict,
    note:
      verdict === 'shown'
        ? `effect shown for ${offered}: ${result.claim ?? ''} (${figures}, measured ${row.at} on ${result.task?.startsWith('MIT-BIH') === true ? 'MIT-BIH beats' : 'a seeded synthetic task'})`
        : `effect not shown: ${offered} was reproduced on ${row.at} and its paper's claim (${result.claim ?? ''}) came out ${verdict} (${figures}); treat its result as unproven`,
    ...(result.claim !== undefined ? { claim: result.claim } : {}),
    measuredAt: row.at,
    seeds,
    ...(result.mean !== undefined ? { mean: result.mean } : {}),
    interval: result.interval ?? null,
  };
}

/** The evidence of every method that `methods reproduce` knows. */
export function allMethodEvidence(workspace: Workspace, methods: string[]): MethodEvidence[] {
  return methods.map((m) => methodEvidence(workspace, m));
}
