import type { ModelMeasurement } from './measure-model.js';

/**
 * Plain sentences on what a compression did to cost, where the figures alone mislead a reviewer: pruning that
 * left the FLOPs unchanged (and what would make the model faster), a latency that got worse, int8 weights that
 * save disk but not time.
 */
export function compressionNotes(
  parent: ModelMeasurement,
  child: ModelMeasurement,
  weightEncoding: string,
): string[] {
  const notes: string[] = [];
  const sparsity = child.params > 0 ? 1 - child.nonzeroParams / child.params : 0;
  const sameFlops = parent.flops > 0 && Math.abs(child.flops - parent.flops) / parent.flops < 0.01;
  if (sparsity > 0.05 && sameFlops)
    notes.push(
      `Pruning set ${(sparsity * 100).toFixed(0)}% of the weights to zero but kept every layer's shape, so the multiply-adds stay at ${parent.flops.toLocaleString('en-US')} (FLOPs unchanged): the zeros are still multiplied. A zero-skipping kernel would need ${child.sparseFlops.toLocaleString('en-US')}, but TF.js has none. To make the model faster, remove whole filters (recipe filters:F) or factorize layers (lowrank:R); unstructured pruning saves only compressed size.`,
    );
  if (parent.latencyMs > 0 && child.latencyMs > parent.latencyMs * 1.05)
    notes.push(
      `Latency got worse: ${child.latencyMs.toFixed(3)} ms per beat or image against the parent's ${parent.latencyMs.toFixed(3)} ms (${(child.latencyMs / parent.latencyMs).toFixed(2)}x slower, batch 1).`,
    );
  if (weightEncoding === 'int8')
    notes.push(
      'int8 weights are stored as 8-bit integers and expanded to float32 when the model loads: they save disk and download size, not inference time.',
    );
  return notes;
}
