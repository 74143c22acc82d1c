import type { ModelRow } from '../store/models.js';
import { badInput } from '../errors.js';

/** Why an imported ONNX graph runs in ONNX Runtime only (the operator the converter does not handle). */
export interface RuntimeOnlyReason {
  operator: string;
  reason: string;
}

/**
 * The reason a stored model runs in ONNX Runtime only, or undefined for a model that is a TF.js graph (every
 * trained model, every converted import). Such a model has forward passes and no gradients.
 */
export function runtimeOnlyReason(row: ModelRow): RuntimeOnlyReason | undefined {
  const origin = row.config['origin'] as { onnx?: { runtimeOnly?: RuntimeOnlyReason } } | undefined;
  return origin?.onnx?.runtimeOnly;
}

/** One sentence for a message that refuses an operation needing gradients or weights on such a model. */
export function runtimeOnlySentence(row: ModelRow): string | undefined {
  const why = runtimeOnlyReason(row);
  if (why === undefined) return undefined;
  return (
    `model ${row.id} (${row.name}) runs in ONNX Runtime only: its operator ${why.operator} could not be ` +
    'converted to TF.js, so it has forward passes but no gradients and no weights Attest can change'
  );
}

/** Refuses an operation that needs gradients or the model's weights (compression, attributions, export). */
export function refuseRuntimeOnly(row: ModelRow, operation: string): void {
  const sentence = runtimeOnlySentence(row);
  if (sentence !== undefined) throw badInput(`${operation} is not possible: ${sentence}`);
}
