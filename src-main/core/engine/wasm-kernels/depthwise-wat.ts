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
import { scatterFunction } from './scatter-wat.js';

/**
 * WebAssembly text of a depthwise convolution's filter gradient with multiplier 1, 4 channels a lane:
 *   dW[i, j, c] = sum over (b, oh, ow) of x_pad[b, oh * sh + i * dh, ow * sw + j * dw, c] * dy[b, oh, ow, c]
 * x_pad is padded so every tap reads inside it (no bounds checks); each (tap, 4 channels) is one pass over the
 * positions with two accumulators (alternate columns), so the adds do not wait on each other.
 */
function depthwiseFilterGrad(options: WatOptions): string {
  const positions = [
    set(
      'xr',
      add(
        get('xp'),
        bytes(
          add(
            mul(
              add(
                mul(
                  add(mul(get('b'), get('paddedHeight')), mul(get('oh'), get('strideHeight'))),
                  get('paddedWidth'),
                ),
                add(
                  mul(get('i'), mul(get('dilationHeight'), get('paddedWidth'))),
                  mul(get('j'), get('dilationWidth')),
                ),
              ),
              get('channels'),
            ),
            get('c'),
          ),
        ),
      ),
    ),
    set(
      'dr',
      add(
        get('dy'),
        bytes(
          add(
            mul(mul(add(mul(get('b'), get('outHeight')), get('oh')), get('outWidth')), get('channels')),
            get('c'),
          ),
        ),
      ),
    ),
    set('ow', get('outWidth')),
    `(block $pairs_end (loop $pairs`,
    `(br_if $pairs_end (i32.lt_s ${get('ow')} ${int(2)}))`,
    set('acc0', madd(options, get('acc0'), `(v128.load ${get('xr')})`, `(v128.load ${get('dr')})`)),
    set(
      'acc1',
      madd(
        options,
        get('acc1'),
        `(v128.load ${add(get('xr'), get('xStep'))})`,
        `(v128.load ${add(get('dr'), get('cBytes'))})`,
      ),
    ),
    set('xr', add(get('xr'), mul(get('xStep'), int(2)))),
    set('dr', add(get('dr'), mul(get('cBytes'), int(2)))),
    set('ow', `(i32.sub ${get('ow')} ${int(2)})`),
    `(br $pairs)))`,
    `(if ${get('ow')} (then ${set('acc0', madd(options, get('acc0'), `(v128.load ${get('xr')})`, `(v128.load ${get('dr')})`))}))`,
  ];
  const perChannels = [
    set('acc0', '(v128.const i32x4 0 0 0 0)'),
    set('acc1', '(v128.const i32x4 0 0 0 0)'),
    forLoop('b', int(0), get('batch'), int(1), [forLoop('oh', int(0), get('outHeight'), int(1), positions)]),
    `(v128.store ${add(get('dw'), bytes(add(mul(add(mul(get('i'), get('filterWidth')), get('j')), get('channels')), get('c'))))} (f32x4.add ${get('acc0')} ${get('acc1')}))`,
  ];
  return [
    `(func (export "depthwise_filter_grad") ${params(['xp', 'dy', 'dw', 'batch', 'outHeight', 'outWidth', 'channels', 'filterHeight', 'filterWidth', 'strideHeight', 'strideWidth', 'dilationHeight', 'dilationWidth', 'paddedHeight', 'paddedWidth'])}`,
    locals('i32', ['i', 'j', 'c', 'b', 'oh', 'ow', 'xr', 'dr', 'xStep', 'cBytes']),
    locals('v128', ['acc0', 'acc1']),
    set('cBytes', bytes(get('channels'))),
    set('xStep', mul(get('cBytes'), get('strideWidth'))),
    forLoop('i', int(0), get('filterHeight'), int(1), [
      forLoop('j', int(0), get('filterWidth'), int(1), [
        forLoop('c', int(0), get('channels'), int(4), perChannels),
      ]),
    ]),
    `)`,
  ].join('\n');
}

/**
 * The input gradient of a depthwise convolution with multiplier 1, 4 channels a lane, as a scatter: every output
 * position adds dy[b, oh, ow, c] * W[i, j, c] to dx at the input position each tap (i, j) read, skipping taps in
 * the padding; strides and dilations cost nothing extra (no zero-stuffed dy).
 */
function depthwiseInputGrad(options: WatOptions): string {
  return scatterFunction({
    name: 'depthwise_input_grad',
    pointers: ['dy', 'w', 'dx'],
    locals: ['c', 'dyp', 'wp'],
    setup: [set('dyp', get('dy'))],
    scatter: [
      set('wp', add(get('w'), bytes(mul(add(mul(get('i'), get('filterWidth')), get('j')), get('channels'))))),
      forLoop('c', int(0), get('cBytes'), int(16), [
        `(v128.store ${add(get('dst'), get('c'))} ${madd(options, `(v128.load ${add(get('dst'), get('c'))})`, `(v128.load ${add(get('dyp'), get('c'))})`, `(v128.load ${add(get('wp'), get('c'))})`)})`,
      ]),
    ],
    afterPosition: [set('dyp', add(get('dyp'), get('cBytes')))],
  });
}

/** The functions above. */
export function depthwiseWat(options: WatOptions): string {
  return [depthwiseFilterGrad(options), depthwiseInputGrad(options)].join('\n');
}
