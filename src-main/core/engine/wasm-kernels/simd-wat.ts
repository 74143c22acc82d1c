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
import { winogradWat } from './winograd-wat.js';
import { winogradRowsWat } from './winograd-rows-wat.js';
import { depthwiseWat } from './depthwise-wat.js';
import { elementwiseWat } from './elementwise-wat.js';
import { col2imWat } from './col2im-wat.js';

/**
 * WebAssembly text of our SIMD kernels, which work in place on the wasm backend's own heap (they import its
 * memory): the convolution as a matrix product whose rows are read straight from the zero-padded input (no
 * im2col copy), the filter gradient, and the gradient of max pooling.
 *
 * Why our own: the backend's XNNPACK forward convolution runs ecg-resnet's 32-channel 1-D layers at ~29
 * GFLOP/s on one core here, and its other convolution kernels are slower still; a 4x8 register-blocked
 * product with fused multiply-add (relaxed SIMD) reaches ~46 (see the benchmark). `fma: false` builds the same
 * kernels with a separate multiply and add, for runtimes without relaxed SIMD.
 *
 * Layout (all NHWC, float32, every size in elements): the convolution's input is already zero-padded, so output
 * position (oh, ow) of sample b reads `segments` runs of `segmentLength` = filterWidth * inChannels contiguous
 * floats, one per filter row, `rowStride` floats apart, starting at b * sampleStride + oh * rowStride +
 * ow * inChannels. The filter is [segments * segmentLength, outChannels] row-major, i.e. TF.js's
 * [fh, fw, inC, outC]. outChannels must be a multiple of 8.
 */

/** Rows of the output computed together: 4 rows x 8 columns keep 8 accumulators, 2 filter vectors and a splat in 11 of the 16 SIMD registers V8 allocates on x64. */
const ROWS = 4;
/** Output positions the filter gradient walks per pass, so that their input and gradient rows stay in L1. */
const CHUNK = 64;

/** A convolution's geometry, the parameters both convolution kernels take after their pointers (SimdKernels). */
const GEOMETRY = [
  'batch',
  'outHeight',
  'outWidth',
  'inChannels',
  'segmentLength',
  'segments',
  'rowStride',
  'sampleStride',
  'outChannels',
];

/** min(limit, outWidth - ow): the output columns a block or chunk starting at ow covers. */
const columnsLeft = (limit: number): string =>
  `(select ${int(limit)} (i32.sub ${get('outWidth')} ${get('ow')}) (i32.gt_s (i32.sub ${get('outWidth')} ${get('ow')}) ${int(limit)}))`;

/** Byte address in the padded input where output position (b, oh, ow) starts reading. */
const inputAt = (base: string): string =>
  add(
    get(base),
    bytes(
      add(
        add(mul(get('b'), get('sampleStride')), mul(get('oh'), get('rowStride'))),
        mul(get('ow'), get('inChannels')),
      ),
    ),
  );

/** Byte address of output position (b, oh, ow) in an [batch, outHeight, outWidth, outChannels] tensor. */
const outputAt = (base: string): string =>
  add(
    get(base),
    bytes(
      mul(
        add(mul(add(mul(get('b'), get('outHeight')), get('oh')), get('outWidth')), get('ow')),
        get('outChannels'),
      ),
    ),
  );

/**
 * y[rows, 8 columns] = act(sum over k of A[r, k] * W[k, o..o+8] + bias) for up to 4 rows that start at a0..a3
 * (rows past `rows` repeat row 0 and are not stored).
 */
function convBlock(options: WatOptions): string {
  const accs: string[] = [];
  for (let r = 0; r < ROWS; r++) accs.push(`c${r}l`, `c${r}h`);
  const body: string[] = [];
  body.push(
    `(if ${get('hasBias')} (then`,
    set('b0', `(v128.load ${add(get('bias'), bytes(get('o')))})`),
    set('b1', `(v128.load offset=16 ${add(get('bias'), bytes(get('o')))})`),
    `) (else ${set('b0', '(v128.const i32x4 0 0 0 0)')} ${set('b1', '(v128.const i32x4 0 0 0 0)')}))`,
  );
  for (let r = 0; r < ROWS; r++) body.push(set(`c${r}l`, get('b0')), set(`c${r}h`, get('b1')));
  body.push(set('wp', add(get('w'), bytes(get('o')))), set('q', int(0)));
  const taps: string[] = [];
  for (let r = 0; r < ROWS; r++) taps.push(set(`p${r}`, add(get(`a${r}`), get('q'))));
  taps.push(set('k', get('segmentLength')));
  const step: string[] = [
    set('b0', `(v128.load ${get('wp')})`),
    set('b1', `(v128.load offset=16 ${get('wp')})`),
  ];
  for (let r = 0; r < ROWS; r++) {
    step.push(
      set('s', `(v128.load32_splat ${get(`p${r}`)})`),
      set(`c${r}l`, madd(options, get(`c${r}l`), get('s'), get('b0'))),
      set(`c${r}h`, madd(options, get(`c${r}h`), get('s'), get('b1'))),
      set(`p${r}`, add(get(`p${r}`), int(4))),
    );
  }
  step.push(set('wp', add(get('wp'), get('outBytes'))));
  taps.push(
    `(loop $taps`,
    ...step,
    `(br_if $taps (local.tee $k (i32.sub ${get('k')} ${int(1)}))))`,
    set('q', add(get('q'), get('segmentBytes'))),
  );
  body.push(forLoop('seg', int(0), get('segments'), int(1), taps));
  body.push(`(if ${get('relu')} (then`);
  for (const c of accs) body.push(set(c, `(f32x4.max ${get(c)} (v128.const i32x4 0 0 0 0))`));
  body.push(`))`);
  for (let r = 0; r < ROWS; r++) {
    const at = add(get('yp'), add(bytes(get('o')), mul(get('outBytes'), int(r))));
    body.push(
      `(if (i32.gt_s ${get('rows')} ${int(r)}) (then`,
      `(v128.store ${at} ${get(`c${r}l`)})`,
      `(v128.store offset=16 ${at} ${get(`c${r}h`)})))`,
    );
  }
  return [
    `(func $conv_block ${params(['a0', 'a1', 'a2', 'a3', 'w', 'bias', 'hasBias', 'yp', 'outChannels', 'segmentLength', 'segments', 'segmentBytes', 'relu', 'rows'])}`,
    locals('i32', ['o', 'wp', 'q', 'seg', 'k', 'outBytes', 'p0', 'p1', 'p2', 'p3']),
    locals('v128', ['b0', 'b1', 's', ...accs]),
    set('outBytes', bytes(get('outChannels'))),
    forLoop('o', int(0), get('outChannels'), int(8), body),
    `)`,
  ].join('\n');
}

/** The exported convolution: every sample, output row and block of 4 output columns. */
function conv(): string {
  const rowAddress = (r: number): string =>
    add(
      get('a'),
      mul(
        get('inBytes'),
        `(select ${int(r)} (i32.sub ${get('rows')} ${int(1)}) (i32.gt_s ${get('rows')} ${int(r)}))`,
      ),
    );
  const perBlock = [
    set('rows', columnsLeft(ROWS)),
    set('a', inputAt('x')),
    set('yp', outputAt('y')),
    `(call $conv_block ${rowAddress(0)} ${rowAddress(1)} ${rowAddress(2)} ${rowAddress(3)} ${get('w')} ${get('bias')} ${get('hasBias')} ${get('yp')} ${get('outChannels')} ${get('segmentLength')} ${get('segments')} ${bytes(get('rowStride'))} ${get('relu')} ${get('rows')})`,
  ];
  return [
    `(func (export "conv") ${params(['x', 'w', 'bias', 'hasBias', 'relu', 'y', ...GEOMETRY])}`,
    locals('i32', ['b', 'oh', 'ow', 'rows', 'a', 'yp', 'inBytes']),
    set('inBytes', bytes(get('inChannels'))),
    forLoop('b', int(0), get('batch'), int(1), [
      forLoop('oh', int(0), get('outHeight'), int(1), [
        forLoop('ow', int(0), get('outWidth'), int(ROWS), perBlock),
      ]),
    ]),
    `)`,
  ].join('\n');
}

/**
 * dW[k0..k0+kRows, o..o+8] += sum over `count` output positions of A[p, k0..] * dy[p, o..o+8], A's rows
 * `inBytes` apart from `ap`, dy's `outBytes` apart from `dp`; kRows is 4 or 1 (the tail of a segment).
 */
function filterTile(options: WatOptions, kRows: number): string {
  const accs: string[] = [];
  for (let r = 0; r < kRows; r++) accs.push(`c${r}l`, `c${r}h`);
  const load: string[] = [];
  const store: string[] = [];
  for (let r = 0; r < kRows; r++) {
    const at = add(get('dwp'), mul(get('outBytes'), int(r)));
    load.push(set(`c${r}l`, `(v128.load ${at})`), set(`c${r}h`, `(v128.load offset=16 ${at})`));
    store.push(`(v128.store ${at} ${get(`c${r}l`)})`, `(v128.store offset=16 ${at} ${get(`c${r}h`)})`);
  }
  const step: string[] = [
    set('b0', `(v128.load ${get('dp')})`),
    set('b1', `(v128.load offset=16 ${get('dp')})`),
  ];
  for (let r = 0; r < kRows; r++) {
    step.push(
      set('s', `(v128.load32_splat offset=${4 * r} ${get('ap')})`),
      set(`c${r}l`, madd(options, get(`c${r}l`), get('s'), get('b0'))),
      set(`c${r}h`, madd(options, get(`c${r}h`), get('s'), get('b1'))),
    );
  }
  step.push(set('ap', add(get('ap'), get('inBytes'))), set('dp', add(get('dp'), get('outBytes'))));
  return [
    `(func $filter_tile${kRows} ${params(['ap', 'dp', 'dwp', 'count', 'inBytes', 'outBytes'])}`,
    locals('v128', ['b0', 'b1', 's', ...accs]),
    ...load,
    `(loop $positions`,
    ...step,
    `(br_if $positions (local.tee $count (i32.sub ${get('count')} ${int(1)}))))`,
    ...store,
    `)`,
  ].join('\n');
}

/** The exported filter gradient, in chunks of output positions; dW is [segments * segmentLength, outChannels]. */
function filterGrad(): string {
  const tile = (kRows: number): string[] => [
    forLoop('o', int(0), get('outChannels'), int(8), [
      `(call $filter_tile${kRows} ${add(get('base'), bytes(add(mul(get('seg'), get('rowStride')), get('k'))))} ${add(get('dyBase'), bytes(get('o')))} ${add(get('dw'), bytes(add(mul(add(mul(get('seg'), get('segmentLength')), get('k')), get('outChannels')), get('o'))))} ${get('count')} ${get('inBytes')} ${get('outBytes')})`,
    ]),
  ];
  const perChunk = [
    set('count', columnsLeft(CHUNK)),
    set('base', inputAt('x')),
    set('dyBase', outputAt('dy')),
    forLoop('seg', int(0), get('segments'), int(1), [
      set('k', int(0)),
      `(block $quads_end (loop $quads`,
      `(br_if $quads_end (i32.gt_s (i32.add ${get('k')} ${int(4)}) ${get('segmentLength')}))`,
      ...tile(4),
      set('k', add(get('k'), int(4))),
      `(br $quads)))`,
      `(block $singles_end (loop $singles`,
      `(br_if $singles_end (i32.ge_s ${get('k')} ${get('segmentLength')}))`,
      ...tile(1),
      set('k', add(get('k'), int(1))),
      `(br $singles)))`,
    ]),
  ];
  return [
    `(func (export "filter_grad") ${params(['x', 'dy', 'dw', ...GEOMETRY])}`,
    locals('i32', ['b', 'oh', 'ow', 'seg', 'k', 'o', 'count', 'base', 'dyBase', 'inBytes', 'outBytes']),
    set('inBytes', bytes(get('inChannels'))),
    set('outBytes', bytes(get('outChannels'))),
    `(memory.fill ${get('dw')} ${int(0)} ${bytes(mul(mul(get('segments'), get('segmentLength')), get('outChannels')))})`,
    forLoop('b', int(0), get('batch'), int(1), [
      forLoop('oh', int(0), get('outHeight'), int(1), [
        forLoop('ow', int(0), get('outWidth'), int(CHUNK), perChunk),
      ]),
    ]),
    `)`,
  ].join('\n');
}

/**
 * Gradient of max pooling, 4 channels at a time: each output's gradient goes to the first largest input of
 * its window (as on the cpu backend), found in a first pass over the window; the second pass adds the
 * gradient, masked to the lanes whose largest input this tap is, so no lane ever scatters.
 */
function maxPoolGrad(): string {
  const max = (a: string, b: string): string => `(select ${a} ${b} (i32.gt_s ${a} ${b}))`;
  const min = (a: string, b: string): string => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
  // The window clipped to the input once per output; taps walked by pointer, t numbering them in order.
  const inWindow = (body: string[]): string =>
    forLoop('r', get('r0'), get('r1'), int(1), [
      set(
        'at',
        add(
          bytes(
            add(
              mul(
                add(mul(add(mul(get('b'), get('inHeight')), get('r')), get('inWidth')), get('c0')),
                get('inChannels'),
              ),
              get('c'),
            ),
          ),
          int(0),
        ),
      ),
      forLoop('col', get('c0'), get('c1'), int(1), [
        ...body,
        set('t', add(get('t'), int(1))),
        set('at', add(get('at'), get('pixelBytes'))),
      ]),
    ]);
  const perChannels = [
    set('best', '(v128.const f32x4 -inf -inf -inf -inf)'),
    set('where', '(v128.const i32x4 -1 -1 -1 -1)'),
    set('t', int(0)),
    inWindow([
      set('v', `(v128.load ${add(get('x'), get('at'))})`),
      set('m', `(f32x4.gt ${get('v')} ${get('best')})`),
      set('best', `(v128.bitselect ${get('v')} ${get('best')} ${get('m')})`),
      set('where', `(v128.bitselect (i32x4.splat ${get('t')}) ${get('where')} ${get('m')})`),
    ]),
    set('g', `(v128.load ${add(get('dyp'), bytes(get('c')))})`),
    set('t', int(0)),
    inWindow([
      `(v128.store ${add(get('dx'), get('at'))} (f32x4.add (v128.load ${add(get('dx'), get('at'))}) (v128.and ${get('g')} (i32x4.eq ${get('where')} (i32x4.splat ${get('t')})))))`,
    ]),
  ];
  return [
    `(func (export "max_pool_grad") ${params(['x', 'dy', 'dx', 'batch', 'inHeight', 'inWidth', 'inChannels', 'outHeight', 'outWidth', 'filterHeight', 'filterWidth', 'strideHeight', 'strideWidth', 'padTop', 'padLeft'])}`,
    locals('i32', [
      'b',
      'oh',
      'ow',
      'c',
      'r',
      'col',
      't',
      'at',
      'rowStart',
      'colStart',
      'r0',
      'r1',
      'c0',
      'c1',
      'pixelBytes',
      'dyp',
    ]),
    locals('v128', ['best', 'where', 'v', 'm', 'g']),
    set('pixelBytes', bytes(get('inChannels'))),
    set('dyp', get('dy')),
    `(memory.fill ${get('dx')} ${int(0)} ${bytes(mul(mul(mul(get('batch'), get('inHeight')), get('inWidth')), get('inChannels')))})`,
    forLoop('b', int(0), get('batch'), int(1), [
      forLoop('oh', int(0), get('outHeight'), int(1), [
        set('rowStart', `(i32.sub ${mul(get('oh'), get('strideHeight'))} ${get('padTop')})`),
        set('r0', max(get('rowStart'), int(0))),
        set('r1', min(add(get('rowStart'), get('filterHeight')), get('inHeight'))),
        forLoop('ow', int(0), get('outWidth'), int(1), [
          set('colStart', `(i32.sub ${mul(get('ow'), get('strideWidth'))} ${get('padLeft')})`),
          set('c0', max(get('colStart'), int(0))),
          set('c1', min(add(get('colStart'), get('filterWidth')), get('inWidth'))),
          forLoop('c', int(0), get('inChannels'), int(4), perChannels),
          set('dyp', add(get('dyp'), get('pixelBytes'))),
        ]),
      ]),
    ]),
    `)`,
  ].join('\n');
}

/** Zero padding of NHWC rows and columns (what the convolution reads), with bulk copies and fills. */
function padSpatial(): string {
  const rowBytes = (columns: string): string => bytes(mul(columns, get('channels')));
  return [
    `(func (export "pad_spatial") ${params(['x', 'y', 'batch', 'height', 'width', 'channels', 'top', 'bottom', 'left', 'right'])}`,
    locals('i32', ['b', 'h', 'src', 'dst', 'inRow', 'outRow', 'leftBytes', 'rightBytes']),
    set('inRow', rowBytes(get('width'))),
    set('leftBytes', rowBytes(get('left'))),
    set('rightBytes', rowBytes(get('right'))),
    set('outRow', add(add(get('inRow'), get('leftBytes')), get('rightBytes'))),
    set('src', get('x')),
    set('dst', get('y')),
    forLoop('b', int(0), get('batch'), int(1), [
      `(memory.fill ${get('dst')} ${int(0)} ${mul(get('top'), get('outRow'))})`,
      set('dst', add(get('dst'), mul(get('top'), get('outRow')))),
      forLoop('h', int(0), get('height'), int(1), [
        `(memory.fill ${get('dst')} ${int(0)} ${get('leftBytes')})`,
        `(memory.copy ${add(get('dst'), get('leftBytes'))} ${get('src')} ${get('inRow')})`,
        `(memory.fill ${add(add(get('dst'), get('leftBytes')), get('inRow'))} ${int(0)} ${get('rightBytes')})`,
        set('dst', add(get('dst'), get('outRow'))),
        set('src', add(get('src'), get('inRow'))),
      ]),
      `(memory.fill ${get('dst')} ${int(0)} ${mul(get('bottom'), get('outRow'))})`,
      set('dst', add(get('dst'), mul(get('bottom'), get('outRow')))),
    ]),
    `)`,
  ].join('\n');
}

/** y[r, c] = x[r, c] + bias[c] over `rows` rows of `channels` (a multiple of 4): a layer's bias. */
function biasAdd(): string {
  return [
    `(func (export "bias_add") ${params(['x', 'bias', 'y', 'rows', 'channels'])}`,
    locals('i32', ['r', 'c', 'rowBytes']),
    set('rowBytes', bytes(get('channels'))),
    forLoop('r', int(0), get('rows'), int(1), [
      forLoop('c', int(0), get('rowBytes'), int(16), [
        `(v128.store ${add(get('y'), get('c'))} (f32x4.add (v128.load ${add(get('x'), get('c'))}) (v128.load ${add(get('bias'), get('c'))})))`,
      ]),
      set('x', add(get('x'), get('rowBytes'))),
      set('y', add(get('y'), get('rowBytes'))),
    ]),
    `)`,
  ].join('\n');
}

/** y[c] = sum over r of x[r, c], `channels` a multiple of 4: the gradient of a bias, rows in order. */
function columnSum(): string {
  return [
    `(func (export "column_sum") ${params(['x', 'y', 'rows', 'channels'])}`,
    locals('i32', ['r', 'c', 'rowBytes']),
    set('rowBytes', bytes(get('channels'))),
    `(memory.fill ${get('y')} ${int(0)} ${get('rowBytes')})`,
    forLoop('r', int(0), get('rows'), int(1), [
      forLoop('c', int(0), get('rowBytes'), int(16), [
        `(v128.store ${add(get('y'), get('c'))} (f32x4.add (v128.load ${add(get('y'), get('c'))}) (v128.load ${add(get('x'), get('c'))})))`,
      ]),
      set('x', add(get('x'), get('rowBytes'))),
    ]),
    `)`,
  ].join('\n');
}

/**
 * The gradient of ReLU, dy * step(x), in one pass (TF.js's gradient runs Step, Cast and Multiply): a NaN in x
 * gives NaN, as step does on the cpu backend.
 */
function reluGrad(): string {
  return [
    `(func (export "relu_grad") ${params(['x', 'dy', 'out', 'count'])}`,
    locals('i32', ['i', 'vectorBytes', 'allBytes']),
    `(local $xv v128) (local $xs f32)`,
    set('allBytes', bytes(get('count'))),
    set('vectorBytes', `(i32.and ${get('allBytes')} ${int(-16)})`),
    forLoop('i', int(0), get('vectorBytes'), int(16), [
      set('xv', `(v128.load ${add(get('x'), get('i'))})`),
      `(v128.store ${add(get('out'), get('i'))} (f32x4.mul (v128.load ${add(get('dy'), get('i'))}) (v128.bitselect ${get('xv')} (v128.bitselect (v128.const f32x4 1 1 1 1) (v128.const f32x4 0 0 0 0) (f32x4.gt ${get('xv')} (v128.const f32x4 0 0 0 0))) (f32x4.ne ${get('xv')} ${get('xv')}))))`,
    ]),
    forLoop('i', get('vectorBytes'), get('allBytes'), int(4), [
      set('xs', `(f32.load ${add(get('x'), get('i'))})`),
      `(f32.store ${add(get('out'), get('i'))} (f32.mul (f32.load ${add(get('dy'), get('i'))}) (select ${get('xs')} (select (f32.const 1) (f32.const 0) (f32.gt ${get('xs')} (f32.const 0))) (f32.ne ${get('xs')} ${get('xs')}))))`,
    ]),
    `)`,
  ].join('\n');
}

/** The whole module; it imports the backend's memory as env.memory. */
export function simdKernelsWat(options: WatOptions): string {
  return [
    `(module`,
    `(import "env" "memory" (memory 1))`,
    convBlock(options),
    conv(),
    filterTile(options, 4),
    filterTile(options, 1),
    filterGrad(),
    maxPoolGrad(),
    padSpatial(),
    biasAdd(),
    columnSum(),
    reluGrad(),
    winogradWat(options),
    winogradRowsWat(options),
    depthwiseWat(options),
    elementwiseWat(),
    col2imWat(),
    `)`,
  ].join('\n');
}
