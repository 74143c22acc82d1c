import { add, bytes, forLoop, get, int, locals, mul, params, set, type WatOptions } from './wat-text.js';
import { winogradMatrices, type WinogradMatrices } from './winograd-matrices.js';
import {
  TRANSFORM_LOCALS,
  inputTiles,
  interiorTile,
  gradientTile,
  outputTile,
  pointProducts,
  transformColumns,
  transformRows,
} from './winograd-wat.js';

/**
 * WebAssembly text of 2-D convolutions with filters 3 wide (the image models' 3x3 layers, any height) by
 * Winograd's F(4, 3) along each row: the filter's rows are 1-D filters, so output row oh is the sum over filter
 * rows fh of F(4, 3) applied to input row oh + fh - top. Per sample, every input row is transformed once into
 * V [points, rows, tiles, C] (zero rows stand for the padding above and below); for one point, the tiles of
 * all rows are one run, so M_xi = sum over fh of V_xi (shifted by fh rows) U[xi, fh] is one pass of
 * $conv_block over all output rows, the filter rows its segments; then the output transform (bias, ReLU).
 * 6 products per 4 outputs and filter row instead of 12. F(6, 3) measured slower on the image models' widths.
 */
export const WINOGRAD_ROWS = winogradMatrices(4, 3);

/** F(3, 4) for the filter gradient: 3 taps from tiles of 4 output columns, on the same 6 points. */
export const WINOGRAD_ROWS_FILTER_GRAD = winogradMatrices(3, 4);

/** U[xi, fh, c, o] = sum over k of G[xi, k] W[fh, k, c, o], 4 (c, o) pairs a lane. */
function winogradRowsFilter(options: WatOptions): string {
  const { taps, filterTransform } = WINOGRAD_ROWS;
  const loads = Array.from({ length: taps }, (_, k) => `w${k}`);
  const body = [
    ...loads.map((name, k) =>
      set(
        name,
        `(v128.load ${add(get('w'), add(get('e'), mul(get('plane'), add(mul(get('fh'), int(taps)), int(k)))))})`,
      ),
    ),
    ...transformRows(
      options,
      filterTransform,
      loads.map((n) => get(n)),
      (xi, value) =>
        `(v128.store ${add(get('u'), add(get('e'), mul(get('plane'), add(mul(int(xi), get('filterHeight')), get('fh')))))} ${value})`,
    ),
  ];
  return [
    `(func (export "winograd_rows_filter") ${params(['w', 'u', 'filterHeight', 'channels', 'outChannels'])}`,
    locals('i32', ['fh', 'e', 'plane']),
    locals('v128', [...loads, ...TRANSFORM_LOCALS]),
    set('plane', bytes(mul(get('channels'), get('outChannels')))),
    forLoop('fh', int(0), get('filterHeight'), int(1), [forLoop('e', int(0), get('plane'), int(16), body)]),
    `)`,
  ].join('\n');
}

/** The i32 locals the row transforms below use, beside each function's own. */
const ROW_LOCALS = [
  'b',
  'h',
  'r',
  't',
  'c',
  'o',
  'xi',
  'xs',
  'vr',
  'tiles',
  'inBytes',
  'col',
  'tile',
  'interior',
  'vRows',
  'vTiles',
  'outTiles',
];

/** Geometry shared by the forward convolution and the filter gradient: tiles of 4 columns, V's rows. */
function rowGeometry(points: number, step: number): string[] {
  return [
    set('tiles', `(i32.div_u (i32.add ${get('outWidth')} ${int(step - 1)}) ${int(step)})`),
    set('inBytes', bytes(get('channels'))),
    set('vRows', add(get('outHeight'), add(get('filterHeight'), int(-1)))),
    set('vTiles', mul(get('vRows'), get('tiles'))),
    set('outTiles', mul(get('outHeight'), get('tiles'))),
    // Rows above and below the input stay zero: no sample writes them.
    `(memory.fill ${get('v')} ${int(0)} ${mul(bytes(mul(get('vTiles'), get('channels'))), int(points))})`,
  ];
}

/** Sample b's input rows into V [points, vRows, tiles, C] (rows a 'valid' convolution never reads are skipped). */
function transformInputRows(options: WatOptions, wino: WinogradMatrices, step: number, d: string[]): string {
  return forLoop('h', int(0), get('inHeight'), int(1), [
    set('r', add(get('h'), get('top'))),
    `(if (i32.lt_s ${get('r')} ${get('vRows')}) (then`,
    set(
      'xs',
      add(
        get('x'),
        bytes(mul(add(mul(get('b'), get('inHeight')), get('h')), mul(get('inWidth'), get('channels')))),
      ),
    ),
    set('vr', add(get('v'), bytes(mul(mul(get('r'), get('tiles')), get('channels'))))),
    forLoop('t', int(0), get('tiles'), int(1), [
      interiorTile(step, wino.points),
      forLoop(
        'c',
        int(0),
        get('channels'),
        int(4),
        inputTiles(options, wino.inputTransform, step, d, 'vr', get('vTiles')),
      ),
    ]),
    `))`,
  ]);
}

/** The convolution (see above); x is NHWC and not padded, v [points, vRows, tiles, C] and m scratch. */
function winogradRowsConv(options: WatOptions): string {
  const { points, outputs } = WINOGRAD_ROWS;
  const d = Array.from({ length: points }, (_, j) => `d${j}`);
  const mv = Array.from({ length: points }, (_, xi) => `m${xi}`);
  const products = pointProducts(
    get('outTiles'),
    add(get('v'), bytes(mul(mul(get('xi'), get('vTiles')), get('channels')))),
    add(get('u'), bytes(mul(mul(get('xi'), get('filterHeight')), mul(get('channels'), get('outChannels'))))),
    add(get('m'), bytes(mul(mul(get('xi'), get('outTiles')), get('outChannels')))),
    get('filterHeight'),
    bytes(mul(get('tiles'), get('channels'))),
  );
  const outputRow = [
    set(
      'ys',
      add(
        get('y'),
        bytes(mul(add(mul(get('b'), get('outHeight')), get('h')), mul(get('outWidth'), get('outChannels')))),
      ),
    ),
    set('mr', add(get('m'), bytes(mul(mul(get('h'), get('tiles')), get('outChannels'))))),
    forLoop('t', int(0), get('tiles'), int(1), [
      forLoop(
        'o',
        int(0),
        get('outChannels'),
        int(4),
        outputTile(options, WINOGRAD_ROWS, 'mr', get('outTiles')),
      ),
    ]),
  ];
  return [
    `(func (export "winograd_rows_conv") ${params(['x', 'u', 'bias', 'hasBias', 'relu', 'y', 'batch', 'inHeight', 'inWidth', 'top', 'left', 'outHeight', 'outWidth', 'filterHeight', 'channels', 'outChannels', 'v', 'm'])}`,
    locals('i32', [...ROW_LOCALS, 'ys', 'mr', 'rows', 'vp']),
    locals('v128', [...d, ...mv, 'bias4', 'out', ...TRANSFORM_LOCALS]),
    ...rowGeometry(points, outputs),
    forLoop('b', int(0), get('batch'), int(1), [
      transformInputRows(options, WINOGRAD_ROWS, outputs, d),
      forLoop('xi', int(0), int(points), int(1), products),
      forLoop('h', int(0), get('outHeight'), int(1), outputRow),
    ]),
    `)`,
  ].join('\n');
}

/**
 * dW[fh, k, c, o] = sum over samples and output positions of x_pad[oh + fh, ow + k, c] dy[oh, ow, o] for
 * filters 3 wide, by F(3, 4) along the rows: V as for the convolution, D [points, outHeight, tiles, O] = G dy
 * (4 gradients a tile), then for each filter row fh and point xi, P[fh, xi] += V_xi (shifted by fh rows)^T D_xi
 * over all output positions in one pass of $filter_tile4, and at the end dW[fh] = A^T P[fh]: 6 products per 4
 * positions and filter row instead of 12. V, D and P [filterHeight, points, C, O] are scratch.
 */
function winogradRowsFilterGrad(options: WatOptions): string {
  const wino = WINOGRAD_ROWS_FILTER_GRAD;
  const { points, taps, outputs, outputTransform } = wino;
  const d = Array.from({ length: points }, (_, j) => `d${j}`);
  const g = Array.from({ length: taps }, (_, i) => `g${i}`);
  const gradientRow = [
    set(
      'dys',
      add(
        get('dy'),
        bytes(mul(add(mul(get('b'), get('outHeight')), get('h')), mul(get('outWidth'), get('outChannels')))),
      ),
    ),
    set('dr', add(get('dt'), bytes(mul(mul(get('h'), get('tiles')), get('outChannels'))))),
    forLoop('t', int(0), get('tiles'), int(1), [
      forLoop('o', int(0), get('outChannels'), int(4), gradientTile(options, wino, 'dr', get('outTiles'))),
    ]),
  ];
  const products = forLoop('c', int(0), get('channels'), int(4), [
    forLoop('o', int(0), get('outChannels'), int(8), [
      `(call $filter_tile4 ${add(get('v'), bytes(add(mul(add(mul(get('xi'), get('vTiles')), mul(get('fh'), get('tiles'))), get('channels')), get('c'))))} ${add(get('dt'), bytes(add(mul(mul(get('xi'), get('outTiles')), get('outChannels')), get('o'))))} ${add(get('p'), bytes(add(mul(add(mul(add(mul(get('fh'), int(points)), get('xi')), get('channels')), get('c')), get('outChannels')), get('o'))))} ${get('outTiles')} ${get('inBytes')} ${bytes(get('outChannels'))})`,
    ]),
  ]);
  const planes = Array.from({ length: points }, (_, xi) => `p${xi}`);
  const finish = [
    ...planes.map((name, xi) =>
      set(
        name,
        `(v128.load ${add(get('p'), add(get('e'), mul(get('plane'), add(mul(get('fh'), int(points)), int(xi)))))})`,
      ),
    ),
    ...transformColumns(
      options,
      outputTransform,
      planes.map((n) => get(n)),
      (k, value) =>
        `(v128.store ${add(get('dw'), add(get('e'), mul(get('plane'), add(mul(get('fh'), int(outputs)), int(k)))))} ${value})`,
    ),
  ];
  return [
    `(func (export "winograd_rows_filter_grad") ${params(['x', 'dy', 'dw', 'batch', 'inHeight', 'inWidth', 'top', 'left', 'outHeight', 'outWidth', 'filterHeight', 'channels', 'outChannels', 'v', 'dt', 'p'])}`,
    locals('i32', [...ROW_LOCALS, 'dys', 'dr', 'fh', 'e', 'plane']),
    locals('v128', [...d, ...g, ...planes, ...TRANSFORM_LOCALS]),
    ...rowGeometry(points, taps),
    set('plane', bytes(mul(get('channels'), get('outChannels')))),
    `(memory.fill ${get('p')} ${int(0)} ${mul(mul(get('plane'), get('filterHeight')), int(points))})`,
    forLoop('b', int(0), get('batch'), int(1), [
      transformInputRows(options, wino, taps, d),
      forLoop('h', int(0), get('outHeight'), int(1), gradientRow),
      forLoop('fh', int(0), get('filterHeight'), int(1), [
        forLoop('xi', int(0), int(points), int(1), [products]),
      ]),
    ]),
    forLoop('fh', int(0), get('filterHeight'), int(1), [forLoop('e', int(0), get('plane'), int(16), finish)]),
    `)`,
  ].join('\n');
}

/** The functions above; they call $conv_block and $filter_tile4, which simd-wat.ts defines in the same module. */
export function winogradRowsWat(options: WatOptions): string {
  return [winogradRowsFilter(options), winogradRowsConv(options), winogradRowsFilterGrad(options)].join('\n');
}
