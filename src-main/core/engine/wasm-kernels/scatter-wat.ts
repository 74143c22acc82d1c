import { add, bytes, forLoop, get, int, locals, mul, params, set } from './wat-text.js';

/**
 * The frame shared by the kernels that scatter into an input gradient (col2im, the depthwise input gradient):
 * dx is zeroed, then for every output position (b, oh, ow) and tap (i, j), `scatter` runs with $dst at
 * dx[b, ih, iw] for ih = oh * sh + i * dh - top and iw = ow * sw + j * dw - left, only where that lies inside
 * the input (taps in the padding are dropped). $cBytes is one position's channels in bytes.
 */
export function scatterFunction(options: {
  name: string;
  /** Pointer parameters before the geometry (ScatterGeometry in simd-module.ts); one of them is dx. */
  pointers: string[];
  locals: string[];
  /** Statements before the loops (after dx is zeroed). */
  setup: string[];
  /** Statements for one in-bounds tap. */
  scatter: string[];
  /** Statements after every tap, in bounds or not, and after every position. */
  afterTap?: string[];
  afterPosition?: string[];
}): string {
  const taps = [
    set(
      'ih',
      `(i32.sub ${add(mul(get('oh'), get('strideHeight')), mul(get('i'), get('dilationHeight')))} ${get('top')})`,
    ),
    forLoop('j', int(0), get('filterWidth'), int(1), [
      set(
        'iw',
        `(i32.sub ${add(mul(get('ow'), get('strideWidth')), mul(get('j'), get('dilationWidth')))} ${get('left')})`,
      ),
      // Unsigned compares: a negative row or column is huge, so one test per bound.
      `(if (i32.and (i32.lt_u ${get('ih')} ${get('inHeight')}) (i32.lt_u ${get('iw')} ${get('inWidth')})) (then`,
      set(
        'dst',
        add(
          get('dx'),
          mul(
            add(mul(add(mul(get('b'), get('inHeight')), get('ih')), get('inWidth')), get('iw')),
            get('cBytes'),
          ),
        ),
      ),
      ...options.scatter,
      `))`,
      ...(options.afterTap ?? []),
    ]),
  ];
  return [
    `(func (export "${options.name}") ${params([...options.pointers, 'batch', 'inHeight', 'inWidth', 'channels', 'outHeight', 'outWidth', 'filterHeight', 'filterWidth', 'strideHeight', 'strideWidth', 'dilationHeight', 'dilationWidth', 'top', 'left'])}`,
    locals('i32', ['b', 'oh', 'ow', 'i', 'j', 'ih', 'iw', 'dst', 'cBytes', ...options.locals]),
    set('cBytes', bytes(get('channels'))),
    `(memory.fill ${get('dx')} ${int(0)} ${mul(mul(mul(get('batch'), get('inHeight')), get('inWidth')), get('cBytes'))})`,
    ...options.setup,
    forLoop('b', int(0), get('batch'), int(1), [
      forLoop('oh', int(0), get('outHeight'), int(1), [
        forLoop('ow', int(0), get('outWidth'), int(1), [
          forLoop('i', int(0), get('filterHeight'), int(1), taps),
          ...(options.afterPosition ?? []),
        ]),
      ]),
    ]),
    `)`,
  ].join('\n');
}
