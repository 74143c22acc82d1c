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
import { winogradMatrices, type WinogradMatrices } from './winograd-matrices.js';

/**
 * WebAssembly text of a 1-D convolution by Winograd's F(6, 5) (see winograd-matrices.ts), for the filter
 * width 5 of ecg-resnet: per sample, every tile of 6 outputs reads 10 inputs; the input transform turns each
 * tile into 10 rows V_xi (4 channels a lane), then for each of the 10 points one matrix product
 * M_xi = V_xi U_xi by the same 4x8 register blocks as the direct convolution ($conv_block), then the output
 * transform (with bias and ReLU) writes the 6 outputs. 10 products of C x O per 6 outputs instead of 30: 3x
 * fewer multiplications in the product, which dominates. F(4, 5) (8 points) measured 6% slower on ecg-resnet's
 * layers; both pass the same accuracy tests against the direct convolution.
 *
 * Layout: x is NWC, not padded: the `left` columns before it and any after it read as zeros; U is
 * [points, C, O] (winograd_filter makes it from the [1, 5, C, O] filter); V [points, tiles, C] and
 * M [points, tiles, O] are scratch for one sample.
 */
export const WINOGRAD = winogradMatrices(6, 5);

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

const close = (a: number, b: number): boolean =>
  Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Statements that compute every row of matrix * terms and hand each to `sink`. Rows i and j that agree on the
 * even terms and are opposite on the odd ones (the points +p and -p) share their two halves: e = even part,
 * o = odd part, row i = e + o, row j = e - o, in the v128 locals $te and $to. About half the arithmetic.
 */
export function transformRows(
  options: WatOptions,
  matrix: number[][],
  terms: string[],
  sink: (row: number, value: string) => string,
): string[] {
  const out: string[] = [];
  const done = new Set<number>();
  const part = (row: number[], parity: number): number[] => row.map((v, k) => (k % 2 === parity ? v : 0));
  matrix.forEach((row, i) => {
    if (done.has(i)) return;
    const j = matrix.findIndex(
      (other, k) =>
        k > i &&
        !done.has(k) &&
        row.some((v, m) => m % 2 === 1 && v !== 0) &&
        other.every((v, m) => close(v, m % 2 === 0 ? (row[m] as number) : -(row[m] as number))),
    );
    if (j < 0) {
      out.push(sink(i, combine(options, row, terms)));
      return;
    }
    done.add(j);
    out.push(
      set('te', combine(options, part(row, 0), terms)),
      set('to', combine(options, part(row, 1), terms)),
      sink(i, `(f32x4.add ${get('te')} ${get('to')})`),
      sink(j, `(f32x4.sub ${get('te')} ${get('to')})`),
    );
  });
  return out;
}

/**
 * Statements that compute every row of matrix * terms (an output transform, whose columns for +p and -p agree
 * on even rows and are opposite on odd ones) and hand each to `sink`: each such pair of terms is first folded
 * into its sum $s<n> and difference $t<n>, which the even and the odd rows then use. Declares nothing: the
 * function needs v128 locals s0..s3 and t0..t3.
 */
export function transformColumns(
  options: WatOptions,
  matrix: number[][],
  terms: string[],
  sink: (row: number, value: string) => string,
): string[] {
  const columns = terms.length;
  const pairs: [number, number][] = [];
  const paired = new Set<number>();
  for (let j = 0; j < columns; j++) {
    if (paired.has(j)) continue;
    for (let k = j + 1; k < columns; k++) {
      if (paired.has(k)) continue;
      const matches = matrix.every((row, i) =>
        close(row[k] as number, (i % 2 === 0 ? 1 : -1) * (row[j] as number)),
      );
      if (matches && matrix.some((row, i) => i % 2 === 1 && row[j] !== 0)) {
        pairs.push([j, k]);
        paired.add(j).add(k);
        break;
      }
    }
  }
  const out: string[] = [];
  pairs.forEach(([j, k], n) => {
    out.push(
      set(`s${n}`, `(f32x4.add ${terms[j]} ${terms[k]})`),
      set(`t${n}`, `(f32x4.sub ${terms[j]} ${terms[k]})`),
    );
  });
  const folded = [
    ...terms.filter((_, j) => !paired.has(j)),
    ...pairs.map((_, n) => get(`s${n}`)),
    ...pairs.map((_, n) => get(`t${n}`)),
  ];
  matrix.forEach((row, i) => {
    const coefficients = [
      ...row.filter((_, j) => !paired.has(j)),
      ...pairs.map(([j]) => (i % 2 === 0 ? (row[j] as number) : 0)),
      ...pairs.map(([j]) => (i % 2 === 1 ? (row[j] as number) : 0)),
    ];
    out.push(sink(i, combine(options, coefficients, folded)));
  });
  return out;
}

/** The v128 locals transformRows and transformColumns use. */
export const TRANSFORM_LOCALS = ['te', 'to', 's0', 's1', 's2', 's3', 't0', 't1', 't2', 't3'];

/** U[xi, c, o] = sum over k of G[xi, k] W[k, c, o], 4 (c, o) pairs a lane. */
function winogradFilter(options: WatOptions): string {
  const { taps, filterTransform } = WINOGRAD;
  const loads = Array.from({ length: taps }, (_, k) => `w${k}`);
  const body = [
    ...loads.map((name, k) =>
      set(name, `(v128.load ${add(get('w'), add(get('e'), mul(get('plane'), int(k))))})`),
    ),
    ...transformRows(
      options,
      filterTransform,
      loads.map((n) => get(n)),
      (xi, value) => `(v128.store ${add(get('u'), add(get('e'), mul(get('plane'), int(xi))))} ${value})`,
    ),
  ];
  return [
    `(func (export "winograd_filter") ${params(['w', 'u', 'channels', 'outChannels'])}`,
    locals('i32', ['e', 'plane']),
    locals('v128', [...loads, ...TRANSFORM_LOCALS]),
    set('plane', bytes(mul(get('channels'), get('outChannels')))),
    forLoop('e', int(0), get('plane'), int(16), body),
    `)`,
  ].join('\n');
}

/**
 * One tile of the input, 4 channels from c: column step * t + j - left of the unpadded input, or zeros where that
 * falls in the padding (unsigned compare: negative columns are huge), so the input is never copied into a padded
 * one; the transform's row xi is stored at into[xi * pointTiles + t, c] ([points, tiles, channels] by default).
 */
export function inputTiles(
  options: WatOptions,
  transform: number[][],
  step: number,
  d: string[],
  into: string,
  pointTiles = get('tiles'),
): string[] {
  const first = `(i32.sub ${mul(get('t'), int(step))} ${get('left')})`;
  const direct = d.map((name, j) =>
    set(name, `(v128.load offset=0 ${add(get('tile'), mul(get('inBytes'), int(j)))})`),
  );
  const checked = d.map((name, j) =>
    [
      set('col', add(first, int(j))),
      set(
        name,
        `(if (result v128) (i32.lt_u ${get('col')} ${get('inWidth')}) (then (v128.load ${add(get('xs'), bytes(add(mul(get('col'), get('channels')), get('c'))))})) (else (v128.const i32x4 0 0 0 0)))`,
      ),
    ].join('\n'),
  );
  return [
    // Tiles inside the input (all but the first and last) load without a check per column.
    set('tile', add(get('xs'), bytes(add(mul(first, get('channels')), get('c'))))),
    `(if ${get('interior')} (then ${direct.join('\n')}) (else ${checked.join('\n')}))`,
    ...transformRows(
      options,
      transform,
      d.map((n) => get(n)),
      (xi, value) =>
        `(v128.store ${add(get(into), bytes(add(mul(add(mul(int(xi), pointTiles), get('t')), get('channels')), get('c'))))} ${value})`,
    ),
  ];
}

/** Sets $interior: whether tile t's columns step * t - left .. + points - 1 all lie inside the input. */
export function interiorTile(step: number, points: number): string {
  const first = `(i32.sub ${mul(get('t'), int(step))} ${get('left')})`;
  return set(
    'interior',
    `(i32.and (i32.ge_s ${first} ${int(0)}) (i32.lt_s ${add(first, int(points - 1))} ${get('inWidth')}))`,
  );
}

/**
 * The transform of the filter that the input gradient convolves dy with, straight from the forward filter W
 * [1, 5, C, O]: that filter is W flipped along its width with C and O swapped, so
 * U[xi, o, c] = sum over k of G[xi, k] W[4 - k, c, o], 4 values of c a lane (gathered, O apart).
 */
function winogradFilterFlipped(options: WatOptions): string {
  const { taps, filterTransform } = WINOGRAD;
  const loads = Array.from({ length: taps }, (_, k) => `w${k}`);
  const at = (k: number, lane: number): string =>
    add(
      get('w'),
      bytes(
        add(
          mul(add(mul(int(taps - 1 - k), get('channels')), add(get('c'), int(lane))), get('outChannels')),
          get('o'),
        ),
      ),
    );
  const body = [
    ...loads.map((name, k) => {
      let vector = `(v128.load32_splat ${at(k, 0)})`;
      for (let lane = 1; lane < 4; lane++)
        vector = `(f32x4.replace_lane ${lane} ${vector} (f32.load ${at(k, lane)}))`;
      return set(name, vector);
    }),
    ...transformRows(
      options,
      filterTransform,
      loads.map((n) => get(n)),
      (xi, value) =>
        `(v128.store ${add(get('u'), bytes(add(mul(add(mul(int(xi), get('outChannels')), get('o')), get('channels')), get('c'))))} ${value})`,
    ),
  ];
  return [
    `(func (export "winograd_filter_flipped") ${params(['w', 'u', 'channels', 'outChannels'])}`,
    locals('i32', ['o', 'c']),
    locals('v128', [...loads, ...TRANSFORM_LOCALS]),
    forLoop('o', int(0), get('outChannels'), int(1), [forLoop('c', int(0), get('channels'), int(4), body)]),
    `)`,
  ].join('\n');
}

/**
 * M[t, :] = sum over `segments` rows s of V[t, :] (the row s * segmentBytes further on) times U's [C, O] matrix s
 * (from `u`), for `count` positions t from `v` (C apart) into `m` (O apart), blocks of 4 by $conv_block. Needs
 * the i32 locals t, rows, vp and inBytes.
 */
export function pointProducts(
  count: string,
  v: string,
  u: string,
  m: string,
  segments: string,
  segmentBytes: string,
): string[] {
  const rowAt = (r: number): string =>
    add(
      get('vp'),
      mul(
        get('inBytes'),
        `(select ${int(r)} (i32.sub ${get('rows')} ${int(1)}) (i32.gt_s ${get('rows')} ${int(r)}))`,
      ),
    );
  return [
    forLoop('t', int(0), count, int(4), [
      set(
        'rows',
        `(select ${int(4)} (i32.sub ${count} ${get('t')}) (i32.gt_s (i32.sub ${count} ${get('t')}) ${int(4)}))`,
      ),
      set('vp', add(v, mul(get('t'), get('inBytes')))),
      `(call $conv_block ${rowAt(0)} ${rowAt(1)} ${rowAt(2)} ${rowAt(3)} ${u} ${int(0)} ${int(0)} ${add(m, bytes(mul(get('t'), get('outChannels'))))} ${get('outChannels')} ${get('channels')} ${segments} ${segmentBytes} ${int(0)} ${get('rows')})`,
    ]),
  ];
}

/**
 * Output tile t, channels o..o+4: the output transform of M[xi * pointTiles + t, o..] (M from $m) plus bias,
 * ReLU if $relu, stored at $ys (one output row) for the columns before $outWidth. Needs v128 locals m0.., bias4, out and the transform's.
 */
export function outputTile(
  options: WatOptions,
  wino: WinogradMatrices,
  m = 'm',
  pointTiles = get('tiles'),
): string[] {
  const { points, outputs, outputTransform } = wino;
  const mv = Array.from({ length: points }, (_, xi) => `m${xi}`);
  return [
    ...mv.map((name, xi) =>
      set(
        name,
        `(v128.load ${add(get(m), bytes(add(mul(add(mul(int(xi), pointTiles), get('t')), get('outChannels')), get('o'))))})`,
      ),
    ),
    set(
      'bias4',
      `(if (result v128) ${get('hasBias')} (then (v128.load ${add(get('bias'), bytes(get('o')))})) (else (v128.const i32x4 0 0 0 0)))`,
    ),
    ...transformColumns(
      options,
      outputTransform,
      mv.map((n) => get(n)),
      (i, value) =>
        [
          set('out', `(f32x4.add ${value} ${get('bias4')})`),
          `(if ${get('relu')} (then ${set('out', `(f32x4.max ${get('out')} (v128.const i32x4 0 0 0 0))`)}))`,
          `(if (i32.lt_s ${add(mul(get('t'), int(outputs)), int(i))} ${get('outWidth')}) (then`,
          `(v128.store ${add(get('ys'), bytes(add(mul(add(mul(get('t'), int(outputs)), int(i)), get('outChannels')), get('o'))))} ${get('out')})))`,
        ].join('\n'),
    ),
  ];
}

/** The convolution itself (see above). */
function winogradConv(options: WatOptions): string {
  const { points, outputs, inputTransform } = WINOGRAD;
  const d = Array.from({ length: points }, (_, j) => `d${j}`);
  const tileInput = inputTiles(options, inputTransform, outputs, d, 'v');
  const products = pointProducts(
    get('tiles'),
    add(get('v'), bytes(mul(mul(get('xi'), get('tiles')), get('channels')))),
    add(get('u'), bytes(mul(mul(get('xi'), get('channels')), get('outChannels')))),
    add(get('m'), bytes(mul(mul(get('xi'), get('tiles')), get('outChannels')))),
    int(1),
    int(0),
  );
  const mv = Array.from({ length: points }, (_, xi) => `m${xi}`);
  const tileOutput = outputTile(options, WINOGRAD);
  return [
    `(func (export "winograd_conv") ${params(['x', 'u', 'bias', 'hasBias', 'relu', 'y', 'batch', 'inWidth', 'left', 'outWidth', 'channels', 'outChannels', 'v', 'm'])}`,
    locals('i32', [
      'b',
      't',
      'c',
      'o',
      'xi',
      'xs',
      'ys',
      'tiles',
      'rows',
      'vp',
      'inBytes',
      'col',
      'tile',
      'interior',
    ]),
    locals('v128', [...d, ...mv, 'bias4', 'out', ...TRANSFORM_LOCALS]),
    set('tiles', `(i32.div_u (i32.add ${get('outWidth')} ${int(outputs - 1)}) ${int(outputs)})`),
    set('inBytes', bytes(get('channels'))),
    forLoop('b', int(0), get('batch'), int(1), [
      set('xs', add(get('x'), bytes(mul(mul(get('b'), get('inWidth')), get('channels'))))),
      set('ys', add(get('y'), bytes(mul(mul(get('b'), get('outWidth')), get('outChannels'))))),
      forLoop('t', int(0), get('tiles'), int(1), [
        interiorTile(outputs, points),
        forLoop('c', int(0), get('channels'), int(4), tileInput),
      ]),
      forLoop('xi', int(0), int(points), int(1), products),
      forLoop('t', int(0), get('tiles'), int(1), [
        forLoop('o', int(0), get('outChannels'), int(4), tileOutput),
      ]),
    ]),
    `)`,
  ].join('\n');
}

/**
 * Gradient tile t, channels o..o+4, of the filter gradient: the `taps` output gradients from $dys (one row of dy;
 * zeros past $outWidth) through the filter transform, stored at into[xi * pointTiles + t, o]. Needs v128 locals
 * g0.. and the transform's.
 */
export function gradientTile(
  options: WatOptions,
  wino: WinogradMatrices,
  into: string,
  pointTiles: string,
): string[] {
  const { taps, filterTransform } = wino;
  const g = Array.from({ length: taps }, (_, i) => `g${i}`);
  return [
    ...g.map((name, i) =>
      [
        set('col', add(mul(get('t'), int(taps)), int(i))),
        set(
          name,
          `(if (result v128) (i32.lt_u ${get('col')} ${get('outWidth')}) (then (v128.load ${add(get('dys'), bytes(add(mul(get('col'), get('outChannels')), get('o'))))})) (else (v128.const i32x4 0 0 0 0)))`,
        ),
      ].join('\n'),
    ),
    ...transformRows(
      options,
      filterTransform,
      g.map((n) => get(n)),
      (xi, value) =>
        `(v128.store ${add(get(into), bytes(add(mul(add(mul(int(xi), pointTiles), get('t')), get('outChannels')), get('o'))))} ${value})`,
    ),
  ];
}

/** F(5, 4) for the filter gradient: 5 taps from tiles of 4 outputs, on the same 8 points. */
export const WINOGRAD_FILTER_GRAD = winogradMatrices(5, 4);

/**
 * dW[k, c, o] = sum over samples and outputs n of x_pad[n + k, c] dy[n, o] for width-5 1-D filters: per tile of
 * 4 outputs, V = B^T x (8 input columns) and D = G dy (4 gradients), then for each point xi the product
 * P_xi += V_xi^T D_xi over the tiles by the filter gradient's own 4x8 blocks ($filter_tile4), and at the end
 * dW = A^T P: 8 products per 4 outputs instead of 20. V [8, tiles, C], D [8, tiles, O] and P [8, C, O] are
 * scratch.
 */
function winogradFilterGrad(options: WatOptions): string {
  const { points, taps, inputTransform, outputTransform } = WINOGRAD_FILTER_GRAD;
  const d = Array.from({ length: points }, (_, j) => `d${j}`);
  const g = Array.from({ length: taps }, (_, i) => `g${i}`);
  const tileGradients = gradientTile(options, WINOGRAD_FILTER_GRAD, 'dt', get('tiles'));
  const products = [
    forLoop('c', int(0), get('channels'), int(4), [
      forLoop('o', int(0), get('outChannels'), int(8), [
        `(call $filter_tile4 ${add(get('v'), bytes(add(mul(mul(get('xi'), get('tiles')), get('channels')), get('c'))))} ${add(get('dt'), bytes(add(mul(mul(get('xi'), get('tiles')), get('outChannels')), get('o'))))} ${add(get('p'), bytes(add(mul(add(mul(get('xi'), get('channels')), get('c')), get('outChannels')), get('o'))))} ${get('tiles')} ${bytes(get('channels'))} ${bytes(get('outChannels'))})`,
      ]),
    ]),
  ];
  const planes = Array.from({ length: points }, (_, xi) => `p${xi}`);
  const finish = [
    ...planes.map((name, xi) =>
      set(name, `(v128.load ${add(get('p'), add(get('e'), mul(get('plane'), int(xi))))})`),
    ),
    ...transformColumns(
      options,
      outputTransform,
      planes.map((n) => get(n)),
      (k, value) => `(v128.store ${add(get('dw'), add(get('e'), mul(get('plane'), int(k))))} ${value})`,
    ),
  ];
  return [
    `(func (export "winograd_filter_grad") ${params(['x', 'dy', 'dw', 'batch', 'inWidth', 'left', 'outWidth', 'channels', 'outChannels', 'v', 'dt', 'p'])}`,
    locals('i32', [
      'b',
      't',
      'c',
      'o',
      'xi',
      'xs',
      'dys',
      'tiles',
      'col',
      'e',
      'plane',
      'tile',
      'interior',
      'inBytes',
    ]),
    locals('v128', [...d, ...g, ...planes, ...TRANSFORM_LOCALS]),
    set('tiles', `(i32.div_u (i32.add ${get('outWidth')} ${int(taps - 1)}) ${int(taps)})`),
    set('plane', bytes(mul(get('channels'), get('outChannels')))),
    set('inBytes', bytes(get('channels'))),
    `(memory.fill ${get('p')} ${int(0)} ${mul(get('plane'), int(points))})`,
    forLoop('b', int(0), get('batch'), int(1), [
      set('xs', add(get('x'), bytes(mul(mul(get('b'), get('inWidth')), get('channels'))))),
      set('dys', add(get('dy'), bytes(mul(mul(get('b'), get('outWidth')), get('outChannels'))))),
      forLoop('t', int(0), get('tiles'), int(1), [
        interiorTile(taps, points),
        forLoop('c', int(0), get('channels'), int(4), inputTiles(options, inputTransform, taps, d, 'v')),
        forLoop('o', int(0), get('outChannels'), int(4), tileGradients),
      ]),
      forLoop('xi', int(0), int(points), int(1), products),
    ]),
    forLoop('e', int(0), get('plane'), int(16), finish),
    `)`,
  ].join('\n');
}

/** The functions above; they call $conv_block and $filter_tile4, which simd-wat.ts defines in the same module. */
export function winogradWat(options: WatOptions): string {
  return [
    winogradFilter(options),
    winogradFilterFlipped(options),
    winogradConv(options),
    winogradFilterGrad(options),
  ].join('\n');
}
