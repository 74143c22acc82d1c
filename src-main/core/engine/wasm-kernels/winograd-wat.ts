import {
  add,
  bytes,
  forLoop,
  get,
  int,
  locals,
  madd,
  mul,
  params,
  set,
  type WatOptions,
} from './wat-text.js';
import { winogradMatrices } from './winograd-matrices.js';

/**
 * WebAssembly text of a 1-D convolution by Winograd's F(4, 5) (see winograd-matrices.ts), for the filter
 * width 5 of ecg-resnet: per sample, every tile of 4 outputs reads 8 inputs; the input transform turns each
 * tile into 8 rows V_xi (4 channels a lane), then for each of the 8 points one matrix product M_xi = V_xi U_xi
 * by the same 4x8 register blocks as the direct convolution ($conv_block), then the output transform (with
 * bias and ReLU) writes the 4 outputs. 8 products of C x O per 4 outputs instead of 20: 2.5x fewer
 * multiplications in the product, which dominates.
 *
 * Layout: x is NWC, not padded: the `left` columns before it and any after it read as zeros; U is [8, C, O] (winograd_filter
 * makes it from the [1, 5, C, O] filter); V [8, tiles, C] and M [8, tiles, O] are scratch for one sample.
 */
export const WINOGRAD = winogradMatrices(4, 5);

const vector = (value: number): string => {
  const f = Number.isInteger(value) ? value.toFixed(1) : value.toPrecision(17);
  return `(v128.const f32x4 ${f} ${f} ${f} ${f})`;
};

/** sum over j of coefficients[j] * terms[j], skipping zeros, with plain adds for +-1. */
function combine(options: WatOptions, coefficients: number[], terms: string[]): string {
  let sum: string | undefined;
  coefficients.forEach((c, j) => {
    if (c === 0) return;
    const term = terms[j] as string;
    if (sum === undefined) {
      sum = c === 1 ? term : c === -1 ? `(f32x4.neg ${term})` : `(f32x4.mul ${vector(c)} ${term})`;
    } else if (c === 1) {
      sum = `(f32x4.add ${sum} ${term})`;
    } else if (c === -1) {
      sum = `(f32x4.sub ${sum} ${term})`;
    } else {
      sum = madd(options, sum, vector(c), term);
    }
  });
  return sum ?? '(v128.const i32x4 0 0 0 0)';
}

/** U[xi, c, o] = sum over k of G[xi, k] W[k, c, o], 4 (c, o) pairs a lane. */
function winogradFilter(options: WatOptions): string {
  const { taps, filterTransform } = WINOGRAD;
  const loads = Array.from({ length: taps }, (_, k) => `w${k}`);
  const body = [
    ...loads.map((name, k) =>
      set(name, `(v128.load ${add(get('w'), add(get('e'), mul(get('plane'), int(k))))})`),
    ),
    ...filterTransform.map(
      (row, xi) =>
        `(v128.store ${add(get('u'), add(get('e'), mul(get('plane'), int(xi))))} ${combine(
          options,
          row,
          loads.map((n) => get(n)),
        )})`,
    ),
  ];
  return [
    `(func (export "winograd_filter") ${params(['w', 'u', 'channels', 'outChannels'])}`,
    locals('i32', ['e', 'plane']),
    locals('v128', loads),
    set('plane', bytes(mul(get('channels'), get('outChannels')))),
    forLoop('e', int(0), get('plane'), int(16), body),
    `)`,
  ].join('\n');
}

/** The convolution itself (see above). */
function winogradConv(options: WatOptions): string {
  const { points, outputs, inputTransform, outputTransform } = WINOGRAD;
  const d = Array.from({ length: points }, (_, j) => `d${j}`);
  // Column 4t + j - left of the unpadded input, or zeros where that falls in the padding (unsigned compare:
  // negative columns are huge), so the input is never copied into a padded one.
  const tileInput = [
    ...d.map((name, j) =>
      [
        set('col', `(i32.sub ${add(mul(get('t'), int(outputs)), int(j))} ${get('left')})`),
        set(
          name,
          `(if (result v128) (i32.lt_u ${get('col')} ${get('inWidth')}) (then (v128.load ${add(get('xs'), bytes(add(mul(get('col'), get('channels')), get('c'))))})) (else (v128.const i32x4 0 0 0 0)))`,
        ),
      ].join('\n'),
    ),
    ...inputTransform.map(
      (row, xi) =>
        `(v128.store ${add(get('v'), bytes(add(mul(add(mul(int(xi), get('tiles')), get('t')), get('channels')), get('c'))))} ${combine(
          options,
          row,
          d.map((n) => get(n)),
        )})`,
    ),
  ];
  const rowAt = (r: number): string =>
    add(
      get('vp'),
      mul(
        get('inBytes'),
        `(select ${int(r)} (i32.sub ${get('rows')} ${int(1)}) (i32.gt_s ${get('rows')} ${int(r)}))`,
      ),
    );
  const products = [
    forLoop('t', int(0), get('tiles'), int(4), [
      set(
        'rows',
        `(select ${int(4)} (i32.sub ${get('tiles')} ${get('t')}) (i32.gt_s (i32.sub ${get('tiles')} ${get('t')}) ${int(4)}))`,
      ),
      set('vp', add(get('v'), bytes(mul(add(mul(get('xi'), get('tiles')), get('t')), get('channels'))))),
      `(call $conv_block ${rowAt(0)} ${rowAt(1)} ${rowAt(2)} ${rowAt(3)} ${add(get('u'), bytes(mul(mul(get('xi'), get('channels')), get('outChannels'))))} ${int(0)} ${int(0)} ${add(get('m'), bytes(mul(add(mul(get('xi'), get('tiles')), get('t')), get('outChannels'))))} ${get('outChannels')} ${get('channels')} ${int(1)} ${int(0)} ${int(0)} ${get('rows')})`,
    ]),
  ];
  const mv = Array.from({ length: points }, (_, xi) => `m${xi}`);
  const tileOutput = [
    ...mv.map((name, xi) =>
      set(
        name,
        `(v128.load ${add(get('m'), bytes(add(mul(add(mul(int(xi), get('tiles')), get('t')), get('outChannels')), get('o'))))})`,
      ),
    ),
    set(
      'bias4',
      `(if (result v128) ${get('hasBias')} (then (v128.load ${add(get('bias'), bytes(get('o')))})) (else (v128.const i32x4 0 0 0 0)))`,
    ),
    ...outputTransform.map((row, i) =>
      [
        set(
          'out',
          `(f32x4.add ${combine(
            options,
            row,
            mv.map((n) => get(n)),
          )} ${get('bias4')})`,
        ),
        `(if ${get('relu')} (then ${set('out', `(f32x4.max ${get('out')} (v128.const i32x4 0 0 0 0))`)}))`,
        `(if (i32.lt_s ${add(mul(get('t'), int(outputs)), int(i))} ${get('outWidth')}) (then`,
        `(v128.store ${add(get('ys'), bytes(add(mul(add(mul(get('t'), int(outputs)), int(i)), get('outChannels')), get('o'))))} ${get('out')})))`,
      ].join('\n'),
    ),
  ];
  return [
    `(func (export "winograd_conv") ${params(['x', 'u', 'bias', 'hasBias', 'relu', 'y', 'batch', 'inWidth', 'left', 'outWidth', 'channels', 'outChannels', 'v', 'm'])}`,
    locals('i32', ['b', 't', 'c', 'o', 'xi', 'xs', 'ys', 'tiles', 'rows', 'vp', 'inBytes', 'col']),
    locals('v128', [...d, ...mv, 'bias4', 'out']),
    set('tiles', `(i32.div_u (i32.add ${get('outWidth')} ${int(outputs - 1)}) ${int(outputs)})`),
    set('inBytes', bytes(get('channels'))),
    forLoop('b', int(0), get('batch'), int(1), [
      set('xs', add(get('x'), bytes(mul(mul(get('b'), get('inWidth')), get('channels'))))),
      set('ys', add(get('y'), bytes(mul(mul(get('b'), get('outWidth')), get('outChannels'))))),
      forLoop('t', int(0), get('tiles'), int(1), [forLoop('c', int(0), get('channels'), int(4), tileInput)]),
      forLoop('xi', int(0), int(points), int(1), products),
      forLoop('t', int(0), get('tiles'), int(1), [
        forLoop('o', int(0), get('outChannels'), int(4), tileOutput),
      ]),
    ]),
    `)`,
  ].join('\n');
}

/** Both functions; they call $conv_block, which simd-wat.ts defines in the same module. */
export function winogradWat(options: WatOptions): string {
  return [winogradFilter(options), winogradConv(options)].join('\n');
}
