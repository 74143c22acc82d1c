import { tf, tfl } from '../engine/tf.js';
import { AttestError, badInput } from '../errors.js';

/**
 * Unstructured magnitude pruning: the smallest-magnitude kernel weights are set to zero (by a 0/1 mask per
 * kernel), and the masks are re-applied after every training batch so that a fine-tune cannot revive them.
 * Only Conv and Dense kernels are pruned: biases and normalization parameters are few and sensitive.
 * Masks are keyed by the weight's original name (as in the model artifact, e.g. "dense_Dense1/kernel").
 */
const PRUNABLE_LAYER_CLASSES = new Set([
  'Conv1D',
  'Conv2D',
  'Conv3D',
  'Conv2DTranspose',
  'Conv3DTranspose',
  'SeparableConv1D',
  'SeparableConv2D',
  'DepthwiseConv2D',
  'Dense',
]);

export type PruneScope = 'per-layer' | 'global';

export function prunableWeights(model: tfl.LayersModel): tfl.LayerVariable[] {
  const found: tfl.LayerVariable[] = [];
  const visit = (layers: tfl.LayersModel['layers']): void => {
    for (const layer of layers) {
      // A model used as a layer of another model: prune inside it too.
      if (layer instanceof tfl.LayersModel) visit(layer.layers);
      else if (PRUNABLE_LAYER_CLASSES.has(layer.getClassName()))
        found.push(...layer.weights.filter((weight) => /(^|\/|_)kernel$/.test(weight.originalName)));
    }
  };
  visit(model.layers);
  return found;
}

/**
 * 0/1 masks that zero exactly round(sparsity * n) weights: per kernel ('per-layer', the default) or the
 * smallest across all kernels ('global'). Ties at the threshold are broken by position, so masks are
 * deterministic and the count is exact even when many weights are equal (e.g. already zero).
 * The caller owns the returned tensors: release them with disposeMasks.
 */
export function magnitudeMasks(
  model: tfl.LayersModel,
  sparsity: number,
  scope: PruneScope = 'per-layer',
): Map<string, tf.Tensor> {
  if (!(sparsity >= 0 && sparsity < 1)) throw badInput(`sparsity ${sparsity} is outside [0, 1)`);
  const weights = prunableWeights(model);
  const magnitudes = weights.map((weight) =>
    Float32Array.from(weight.read().dataSync() as Float32Array, Math.abs),
  );
  const keeps: Uint8Array[] = [];
  if (scope === 'global') {
    const all = new Float32Array(magnitudes.reduce((sum, values) => sum + values.length, 0));
    let offset = 0;
    for (const values of magnitudes) {
      all.set(values, offset);
      offset += values.length;
    }
    const keep = keepLargest(all, Math.round(sparsity * all.length));
    offset = 0;
    for (const values of magnitudes) {
      keeps.push(keep.subarray(offset, offset + values.length));
      offset += values.length;
    }
  } else {
    for (const values of magnitudes) keeps.push(keepLargest(values, Math.round(sparsity * values.length)));
  }
  const masks = new Map<string, tf.Tensor>();
  weights.forEach((weight, index) => {
    masks.set(
      weight.originalName,
      tf.tensor(Float32Array.from(keeps[index] as Uint8Array), weight.shape as number[], 'float32'),
    );
  });
  return masks;
}

/** keep[i] = 0 for the `prune` smallest magnitudes (first positions first among equals), 1 otherwise. */
function keepLargest(magnitudes: Float32Array, prune: number): Uint8Array {
  const keep = new Uint8Array(magnitudes.length).fill(1);
  if (prune <= 0) return keep;
  const threshold = Float32Array.from(magnitudes).sort()[prune - 1] as number;
  let below = 0;
  for (const value of magnitudes) if (value < threshold) below++;
  let tiesToPrune = prune - below;
  for (let i = 0; i < magnitudes.length; i++) {
    const value = magnitudes[i] as number;
    if (value < threshold || (value === threshold && tiesToPrune-- > 0)) keep[i] = 0;
  }
  return keep;
}

/** w := w * mask for every masked kernel of the model. */
export function applyMasks(model: tfl.LayersModel, masks: Map<string, tf.Tensor>): void {
  const byName = new Map(prunableWeights(model).map((weight) => [weight.originalName, weight]));
  for (const name of masks.keys())
    if (!byName.has(name))
      throw new AttestError('INTERNAL', `mask ${name} matches no prunable weight of the model`);
  tf.tidy(() => {
    for (const [name, mask] of masks) {
      const weight = byName.get(name) as tfl.LayerVariable;
      // "+ 0" turns the -0 of (negative weight) * 0 into +0: pruned weights become bit-identical zeros.
      weight.write(tf.add(tf.mul(weight.read(), mask), 0));
    }
  });
}

export function disposeMasks(masks: Map<string, tf.Tensor>): void {
  for (const mask of masks.values()) mask.dispose();
  masks.clear();
}

/** Keeps pruned weights at zero during model.fit: the optimizer step moves them, this puts them back. */
export class PruneMaskCallback extends tfl.Callback {
  private readonly target: tfl.LayersModel;
  private readonly masks: Map<string, tf.Tensor>;

  constructor(model: tfl.LayersModel, masks: Map<string, tf.Tensor>) {
    super();
    this.target = model;
    this.masks = masks;
  }

  override async onTrainBegin(): Promise<void> {
    applyMasks(this.target, this.masks);
  }

  override async onBatchEnd(): Promise<void> {
    applyMasks(this.target, this.masks);
  }
}
