import { canonicalJson } from '../util/canonical-json.js';
import { sha256Hex } from '../util/hash.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  payload: AuditPayload;
  prevHash: string;
  hash: string;
}

/**
 * What an event says it touched. `artifacts` are SHA-256 digests of files in the artifact store (the verifier
 * re-hashes each); `sources` are the user's original files, recorded with their digest at import time.
 */
export interface AuditPayload {
  params?: Record<string, unknown>;
  inputs?: { role: string; sha256: string }[];
  outputs?: { role: string; sha256: string }[];
  sources?: { path: string; sha256: string; size: number }[];
  backend?: string;
  result?: Record<string, unknown>;
  reason?: string;
  [key: string]: unknown;
}

/** The hash covers every field but itself, including the previous event's hash: that makes the chain. */
export function computeEventHash(event: Omit<AuditEvent, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      seq: event.seq,
      id: event.id,
      at: event.at,
      actor: event.actor,
      action: event.action,
      entityType: event.entityType,
      entityId: event.entityId,
      payload: event.payload,
      prevHash: event.prevHash,
    }),
  );
}

/** The store artifacts an event refers to (inputs and outputs), for the verifier to re-hash. */
export function referencedArtifacts(payload: AuditPayload): string[] {
  return [...(payload.inputs ?? []), ...(payload.outputs ?? [])].map((item) => item.sha256);
}
