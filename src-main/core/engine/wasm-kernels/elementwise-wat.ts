import { add, bytes, forLoop, get, locals, params, set, int } from './wat-text.js';

/** Vectors over the first count & ~3 elements of each array, then one element at a time. */
function overElements(name: string, extra: string[], vector: string[], scalar: string[]): string {
  return [
    `(func (export "${name}") ${params([...extra, 'count'])}`,
    locals('i32', ['i', 'vectorBytes', 'allBytes']),
    `(local $sv v128) (local $ss f32)`,
    set('ss', `(f32.load ${get('s')})`),
    set('sv', `(f32x4.splat ${get('ss')})`),
    set('allBytes', bytes(get('count'))),
    set('vectorBytes', `(i32.and ${get('allBytes')} ${int(-16)})`),
    forLoop('i', int(0), get('vectorBytes'), int(16), vector),
    forLoop('i', get('vectorBytes'), get('allBytes'), int(4), scalar),
    `)`,
  ].join('\n');
}

/** out = min(x, s) for a scalar s (TF.js layers' ReLU6 is min(6, relu(x))); NaN in x gives NaN, as Math.min. */
function minScalar(): string {
  return overElements(
    'min_scalar',
    ['x', 's', 'out'],
    [
      `(v128.store ${add(get('out'), get('i'))} (f32x4.min (v128.load ${add(get('x'), get('i'))}) ${get('sv')}))`,
    ],
    [`(f32.store ${add(get('out'), get('i'))} (f32.min (f32.load ${add(get('x'), get('i'))}) ${get('ss')}))`],
  );
}

/**
 * The gradient of min(x, s) with respect to x: dy * (x < s) when `strict` (x is min's second operand: TF.js
 * passes it where a > b), else dy * (x <= s); multiplied, not masked, so NaN and infinite dy act as on the cpu.
 */
function minGrad(): string {
  const mask = (x: string): string =>
    `(v128.bitselect (v128.const f32x4 1 1 1 1) (v128.const f32x4 0 0 0 0) (if (result v128) ${get('strict')} (then (f32x4.lt ${x} ${get('sv')})) (else (f32x4.le ${x} ${get('sv')}))))`;
  const flag = (x: string): string =>
    `(select (f32.const 1) (f32.const 0) (if (result i32) ${get('strict')} (then (f32.lt ${x} ${get('ss')})) (else (f32.le ${x} ${get('ss')}))))`;
  return overElements(
    'min_grad',
    ['x', 's', 'dy', 'out', 'strict'],
    [
      `(v128.store ${add(get('out'), get('i'))} (f32x4.mul (v128.load ${add(get('dy'), get('i'))}) ${mask(`(v128.load ${add(get('x'), get('i'))})`)}))`,
    ],
    [
      `(f32.store ${add(get('out'), get('i'))} (f32.mul (f32.load ${add(get('dy'), get('i'))}) ${flag(`(f32.load ${add(get('x'), get('i'))})`)}))`,
    ],
  );
}

/** The functions above. */
export function elementwiseWat(): string {
  return [minScalar(), minGrad()].join('\n');
}
