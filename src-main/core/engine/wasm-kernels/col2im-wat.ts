import { add, bytes, forLoop, get, int, locals, mul, params, set } from './wat-text.js';

/**
 * WebAssembly text of col2im, the scatter half of a strided convolution's input gradient: cols holds, for every
 * output position p = (b, oh, ow) and tap (i, j), the C values dy[p] . W[i, j, :, :]^T; each is added to
 * dx[b, oh * sh + i * dh - top, ow * sw + j * dw - left] where that falls inside the input (else it belongs to the
 * padding and is dropped). 4 channels a lane, then one at a time for the rest.
 */
export function col2imWat(): string {
  const scatter = [
    set(
      'dst',
      add(
        get('dx'),
        bytes(
          mul(
            add(mul(add(mul(get('b'), get('inHeight')), get('ih')), get('inWidth')), get('iw')),
            get('channels'),
          ),
        ),
      ),
    ),
    forLoop('c', int(0), get('vectorBytes'), int(16), [
      `(v128.store ${add(get('dst'), get('c'))} (f32x4.add (v128.load ${add(get('dst'), get('c'))}) (v128.load ${add(get('src'), get('c'))})))`,
    ]),
    forLoop('c', get('vectorBytes'), get('rowBytes'), int(4), [
      `(f32.store ${add(get('dst'), get('c'))} (f32.add (f32.load ${add(get('dst'), get('c'))}) (f32.load ${add(get('src'), get('c'))})))`,
    ]),
  ];
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
      `(if (i32.and (i32.lt_u ${get('ih')} ${get('inHeight')}) (i32.lt_u ${get('iw')} ${get('inWidth')})) (then ${scatter.join('\n')}))`,
      set('src', add(get('src'), get('rowBytes'))),
    ]),
  ];
  return [
    `(func (export "col2im") ${params(['cols', 'dx', 'batch', 'inHeight', 'inWidth', 'channels', 'outHeight', 'outWidth', 'filterHeight', 'filterWidth', 'strideHeight', 'strideWidth', 'dilationHeight', 'dilationWidth', 'top', 'left'])}`,
    locals('i32', ['b', 'oh', 'ow', 'i', 'j', 'c', 'ih', 'iw', 'src', 'dst', 'rowBytes', 'vectorBytes']),
    set('rowBytes', bytes(get('channels'))),
    set('vectorBytes', `(i32.and ${get('rowBytes')} ${int(-16)})`),
    `(memory.fill ${get('dx')} ${int(0)} ${mul(mul(mul(get('batch'), get('inHeight')), get('inWidth')), get('rowBytes'))})`,
    // cols is read in order: position, then tap row i, tap column j, channel.
    set('src', get('cols')),
    forLoop('b', int(0), get('batch'), int(1), [
      forLoop('oh', int(0), get('outHeight'), int(1), [
        forLoop('ow', int(0), get('outWidth'), int(1), [
          forLoop('i', int(0), get('filterHeight'), int(1), taps),
        ]),
      ]),
    ]),
    `)`,
  ].join('\n');
}
