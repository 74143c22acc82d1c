/** Helpers that write WebAssembly text (folded form): locals by name, i32 arithmetic, loops. */

export interface WatOptions {
  /** Use f32x4.relaxed_madd (one fused instruction) rather than f32x4.mul then f32x4.add. */
  fma: boolean;
}

export const get = (name: string): string => `(local.get $${name})`;
export const set = (name: string, value: string): string => `(local.set $${name} ${value})`;
export const add = (a: string, b: string): string => `(i32.add ${a} ${b})`;
export const mul = (a: string, b: string): string => `(i32.mul ${a} ${b})`;
export const bytes = (elements: string): string => `(i32.shl ${elements} (i32.const 2))`;
export const int = (n: number): string => `(i32.const ${n})`;
export const locals = (type: string, names: string[]): string =>
  names.map((n) => `(local $${n} ${type})`).join(' ');
export const params = (names: string[]): string => names.map((n) => `(param $${n} i32)`).join(' ');

export function madd(options: WatOptions, acc: string, a: string, b: string): string {
  return options.fma ? `(f32x4.relaxed_madd ${a} ${b} ${acc})` : `(f32x4.add ${acc} (f32x4.mul ${a} ${b}))`;
}

/** `for (name = from; name < to; name += step) body`, with body run at least zero times. */
export function forLoop(name: string, from: string, to: string, step: string, body: string[]): string {
  const label = `${name}_loop`;
  return [
    set(name, from),
    `(block $${label}_end (loop $${label}`,
    `(br_if $${label}_end (i32.ge_s ${get(name)} ${to}))`,
    ...body,
    set(name, add(get(name), step)),
    `(br $${label})))`,
  ].join('\n');
}
