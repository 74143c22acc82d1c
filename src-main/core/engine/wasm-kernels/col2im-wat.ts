import { add, forLoop, get, int, set } from './wat-text.js';
import { scatterFunction } from './scatter-wat.js';

/**
 * WebAssembly text of col2im, the scatter half of a strided convolution's input gradient: cols holds, for every
 * output position p = (b, oh, ow) and tap (i, j), the C values dy[p] . W[i, j, :, :]^T; each is added to
 * dx[b, oh * sh + i * dh - top, ow * sw + j * dw - left] where that falls inside the input (else it belongs to the
 * padding and is dropped). 4 channels a lane, then one at a time for the rest.
 */
export function col2imWat(): string {
  return scatterFunction({
    name: 'col2im',
    pointers: ['cols', 'dx'],
    locals: ['c', 'src', 'vectorBytes'],
    // cols is read in order: position, then tap row i, tap column j, channel.
    setup: [set('vectorBytes', `(i32.and ${get('cBytes')} ${int(-16)})`), set('src', get('cols'))],
    scatter: [
      forLoop('c', int(0), get('vectorBytes'), int(16), [
        `(v128.store ${add(get('dst'), get('c'))} (f32x4.add (v128.load ${add(get('dst'), get('c'))}) (v128.load ${add(get('src'), get('c'))})))`,
      ]),
      forLoop('c', get('vectorBytes'), get('cBytes'), int(4), [
        `(f32.store ${add(get('dst'), get('c'))} (f32.add (f32.load ${add(get('dst'), get('c'))}) (f32.load ${add(get('src'), get('c'))})))`,
      ]),
    ],
    afterTap: [set('src', add(get('src'), get('cBytes')))],
  });
}
