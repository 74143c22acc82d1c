import { tf, type tfl } from '../engine/tf.js';
import { AttestError, badInput } from '../errors.js';
import { countFlops } from './model-flops.js';
import {
  functionalConfig,
  inboundNames,
  modelFromConfig,
  runGraph,
  type FunctionalConfig,
  type LayerConfig,
} from './graph.js';

/**
 * Structured pruning: whole filters (output channels) of Conv and Dense layers are removed, giving a network
 * that is physically smaller and faster on any backend (Li et al. 2017, "Pruning filters for efficient
 * ConvNets"). Channels joined by a residual Add form one group and are removed together, so every sum still
 * adds matching channels. Filters are ranked by the L1 norm of their kernels, or ('activation') by their
 * mean absolute output on calibration data. One keep ratio for every group is found by bisection so that the
 * pruned network has at most the target fraction of the parent's FLOPs (or parameters).
 */

const PRODUCERS = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'Dense']);
/** Layers that pass channels through unchanged (per-channel parameters, if any, are sliced). */
const CARRIERS = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'BatchNormalization',
  'Dropout',
  'SpatialDropout1D',
  'MaxPooling1D',
  'MaxPooling2D',
  'AveragePooling1D',
  'AveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'Add',
  'Maximum',
  'Average',
  'Flatten',
]);

interface ChannelGroups {
  /** Output channel group (root producer name) of each layer, when it has channels. */
  groupOf: Map<string, string>;
  /** Positions flattened before the channels (a Dense after Flatten reads position * C + c). */
  positionsOf: Map<string, number>;
  /** Producers whose output channels belong to each group. */
  members: Map<string, string[]>;
  prunable: Set<string>;
  channels: Map<string, number>;
}

function analyse(config: FunctionalConfig, model: tfl.LayersModel): ChannelGroups {
  const parentOf = new Map<string, string>();
  const find = (g: string): string => {
    let root = g;
    while (parentOf.get(root) !== root) root = parentOf.get(root) as string;
    return root;
  };
  const groupOf = new Map<string, string>();
  const positionsOf = new Map<string, number>();
  const blocked = new Set<string>();
  const channels = new Map<string, number>();
  const outputs = new Set((config.output_layers as unknown[][]).map((entry) => String(entry[0])));
  for (const layer of config.layers) {
    const inputs = inboundNames(layer);
    const inGroups = inputs.map((name) => groupOf.get(name)).filter((g): g is string => g !== undefined);
    if (PRODUCERS.has(layer.class_name)) {
      parentOf.set(layer.name, layer.name);
      groupOf.set(layer.name, layer.name);
      positionsOf.set(layer.name, 1);
      const shape = model.getLayer(layer.name).outputShape as number[];
      channels.set(layer.name, shape[shape.length - 1] as number);
    } else if (CARRIERS.has(layer.class_name) && inGroups.length === inputs.length && inputs.length > 0) {
      const first = find(inGroups[0] as string);
      for (const g of inGroups.slice(1)) parentOf.set(find(g), first);
      groupOf.set(layer.name, first);
      const inputShape = model.getLayer(inputs[0] as string).outputShape as number[];
      const positions =
        layer.class_name === 'Flatten'
          ? inputShape.slice(1, -1).reduce((a, b) => a * (b ?? 1), 1)
          : (positionsOf.get(inputs[0] as string) ?? 1);
      positionsOf.set(layer.name, positions);
    } else {
      // A layer that mixes or reshapes channels in a way we do not track: its inputs' channels must all stay.
      for (const g of inGroups) blocked.add(g);
    }
    if (outputs.has(layer.name) && groupOf.has(layer.name)) blocked.add(groupOf.get(layer.name) as string);
  }
  // Resolve to roots now that every union is known.
  for (const [name, g] of groupOf) groupOf.set(name, find(g));
  const members = new Map<string, string[]>();
  for (const layer of config.layers)
    if (PRODUCERS.has(layer.class_name)) {
      const root = groupOf.get(layer.name) as string;
      members.set(root, [...(members.get(root) ?? []), layer.name]);
    }
  const blockedRoots = new Set([...blocked].map(find));
  const prunable = new Set([...members.keys()].filter((root) => !blockedRoots.has(root)));
  return { groupOf, positionsOf, members, prunable, channels };
}

/** Channel importance per group: the chosen criterion summed over the group's producers (each normalized). */
function channelScores(
  model: tfl.LayersModel,
  groups: ChannelGroups,
  criterion: 'l1' | 'activation',
  calibration: { inputs: Float32Array; sampleShape: number[] } | undefined,
): Map<string, Float64Array> {
  const perProducer = new Map<string, Float64Array>();
  if (criterion === 'activation') {
    if (calibration === undefined)
      throw badInput('filters:...:criterion=activation needs the parent dataset');
    const n = calibration.inputs.length / calibration.sampleShape.reduce((a, b) => a * b, 1);
    tf.tidy(() => {
      const x = tf.tensor(calibration.inputs, [n, ...calibration.sampleShape]);
      runGraph(model, x, {
        onOutput: (layer, output) => {
          if (groups.groupOf.has(layer.name) && PRODUCERS.has(layer.getClassName())) {
            const axes = output.shape.slice(0, -1).map((_, i) => i);
            perProducer.set(layer.name, Float64Array.from(tf.mean(tf.abs(output), axes).dataSync()));
          }
          return output;
        },
      });
    });
  } else {
    for (const [, names] of groups.members)
      for (const name of names) {
        const kernel = model.getLayer(name).getWeights()[0] as tf.Tensor;
        const axes = kernel.shape.slice(0, -1).map((_, i) => i);
        perProducer.set(name, Float64Array.from(tf.tidy(() => tf.sum(tf.abs(kernel), axes).dataSync())));
      }
  }
  const scores = new Map<string, Float64Array>();
  for (const [root, names] of groups.members) {
    const total = new Float64Array(groups.channels.get(root) ?? 0);
    for (const name of names) {
      const values = perProducer.get(name) ?? new Float64Array(total.length);
      const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length) || 1;
      values.forEach((v, c) => (total[c] = (total[c] as number) + v / mean));
    }
    scores.set(root, total);
  }
  return scores;
}

/** The kept channel indices of each prunable group at keep ratio r (the highest scores, in channel order). */
function keptChannels(
  groups: ChannelGroups,
  scores: Map<string, Float64Array>,
  ratio: number,
): Map<string, number[]> {
  const kept = new Map<string, number[]>();
  for (const root of groups.prunable) {
    const score = scores.get(root) as Float64Array;
    const keep = Math.max(1, Math.round(ratio * score.length));
    const order = Array.from(score.keys()).sort(
      (a, b) => (score[b] as number) - (score[a] as number) || a - b,
    );
    kept.set(
      root,
      order.slice(0, keep).sort((a, b) => a - b),
    );
  }
  return kept;
}

export interface FilterPruneReport {
  target: 'flops' | 'params';
  keep: number;
  keepRatio: number;
  criterion: 'l1' | 'activation';
  groups: { producers: string[]; channels: number; kept: number }[];
  flopsBefore: number;
  flopsAfter: number;
  paramsBefore: number;
  paramsAfter: number;
}

export async function pruneFilters(
  model: tfl.LayersModel,
  options: { keep: number; target: 'flops' | 'params'; criterion: 'l1' | 'activation' },
  calibration?: { inputs: Float32Array; sampleShape: number[] },
): Promise<{ model: tfl.LayersModel; report: FilterPruneReport }> {
  const config = functionalConfig(model);
  const groups = analyse(config, model);
  if (groups.prunable.size === 0)
    throw badInput('the model has no filters that can be removed (no prunable channel group)');
  const scores = channelScores(model, groups, options.criterion, calibration);
  const costOf = (m: tfl.LayersModel): number =>
    options.target === 'flops' ? countFlops(m).flops : m.countParams();
  const before = { flops: countFlops(model).flops, params: model.countParams() };
  const budget = options.keep * (options.target === 'flops' ? before.flops : before.params);
  const build = async (ratio: number): Promise<{ model: tfl.LayersModel; kept: Map<string, number[]> }> => {
    const kept = keptChannels(groups, scores, ratio);
    const next = structuredClone(config);
    for (const layer of next.layers) applyChannelCount(layer, groups, kept);
    return { model: await modelFromConfig(next), kept };
  };
  // Bisection on one keep ratio for every group: the cost is monotone in it.
  let low = 0;
  let high = 1;
  let best: { model: tfl.LayersModel; kept: Map<string, number[]>; ratio: number } | undefined;
  for (let i = 0; i < 14; i++) {
    const ratio = (low + high) / 2;
    const candidate = await build(ratio);
    if (costOf(candidate.model) <= budget) {
      best?.model.dispose();
      best = { ...candidate, ratio };
      low = ratio;
    } else {
      candidate.model.dispose();
      high = ratio;
    }
  }
  if (best === undefined) {
    const smallest = await build(0);
    best = { ...smallest, ratio: 0 };
    if (costOf(smallest.model) > budget)
      throw badInput(
        `filters:${options.keep} cannot be reached: even one filter per layer keeps ${((100 * costOf(smallest.model)) / (options.target === 'flops' ? before.flops : before.params)).toFixed(1)}% of the ${options.target}`,
      );
  }
  copyPrunedWeights(model, best.model, config, groups, best.kept);
  const report: FilterPruneReport = {
    target: options.target,
    keep: options.keep,
    keepRatio: best.ratio,
    criterion: options.criterion,
    groups: [...groups.prunable].map((root) => ({
      producers: groups.members.get(root) ?? [],
      channels: groups.channels.get(root) ?? 0,
      kept: best.kept.get(root)?.length ?? 0,
    })),
    flopsBefore: before.flops,
    flopsAfter: countFlops(best.model).flops,
    paramsBefore: before.params,
    paramsAfter: best.model.countParams(),
  };
  return { model: best.model, report };
}

function applyChannelCount(layer: LayerConfig, groups: ChannelGroups, kept: Map<string, number[]>): void {
  if (!PRODUCERS.has(layer.class_name)) return;
  const channels = kept.get(groups.groupOf.get(layer.name) ?? '');
  if (channels === undefined) return;
  if (layer.class_name === 'Dense') layer.config['units'] = channels.length;
  else layer.config['filters'] = channels.length;
}

/** Copies the parent's weights into the pruned network, keeping only the surviving channels on both axes. */
function copyPrunedWeights(
  source: tfl.LayersModel,
  target: tfl.LayersModel,
  config: FunctionalConfig,
  groups: ChannelGroups,
  kept: Map<string, number[]>,
): void {
  const keptOf = (layerName: string | undefined): number[] | undefined =>
    layerName === undefined ? undefined : kept.get(groups.groupOf.get(layerName) ?? '');
  for (const layer of config.layers) {
    const from = source.getLayer(layer.name);
    const weights = from.getWeights();
    if (weights.length === 0) continue;
    const input = inboundNames(layer)[0];
    const inKept = keptOf(input);
    const outKept = PRODUCERS.has(layer.class_name) ? keptOf(layer.name) : undefined;
    const sliced = tf.tidy(() =>
      weights.map((w, index) => {
        let t = w;
        if (PRODUCERS.has(layer.class_name)) {
          if (index === 0) {
            if (inKept !== undefined) {
              const positions = groups.positionsOf.get(input as string) ?? 1;
              const channels = groups.channels.get(groups.groupOf.get(input as string) as string) as number;
              t = tf.gather(t, flattenedIndices(inKept, positions, channels), t.rank - 2);
            }
            if (outKept !== undefined) t = tf.gather(t, outKept, t.rank - 1);
          } else if (outKept !== undefined) t = tf.gather(t, outKept, 0);
        } else if (CARRIERS.has(layer.class_name) && inKept !== undefined && t.rank === 1) {
          t = tf.gather(t, inKept, 0); // batch-normalization parameters, one per channel
        } else if (!CARRIERS.has(layer.class_name) && inKept !== undefined) {
          throw new AttestError('INTERNAL', `layer ${layer.name} reads pruned channels but is not sliced`);
        }
        // A fresh tensor rather than the gather result: the wasm backend keeps the rank-4 shape of gather's
        // internal reshape with the data, and its fused kernels then refuse the bias ("rank-1 bias").
        return t === w ? t : tf.tensor(t.dataSync(), t.shape);
      }),
    );
    target.getLayer(layer.name).setWeights(sliced);
    for (const t of sliced) if (!weights.includes(t)) t.dispose();
  }
}

/** Indices into a flattened [positions, channels] axis of the kept channels (channels-last order). */
function flattenedIndices(kept: number[], positions: number, channels: number): number[] {
  if (positions === 1) return kept;
  const out: number[] = [];
  for (let p = 0; p < positions; p++) for (const c of kept) out.push(p * channels + c);
  return out;
}
