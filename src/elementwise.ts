// log and log1p over float arrays, streamed through the arena.
import type { Elementwise } from './types.js';
import { outFor } from './validate.js';
import type { Wasm } from './wasm.js';

export function elementwiseFamily(w: Wasm): { log: Elementwise; log1p: Elementwise } {
  const map = (fn: 'log' | 'log1p'): Elementwise => {
    const f = w.ex[fn];
    // IEEE results for every input: nothing to refuse
    const kernel = (px: number, pout: number, n: number, _arg: number, f32: number) => {
      f(px, pout, n, f32);
      return -1;
    };
    return ((x: unknown, out?: unknown) => {
      const [xs, o, mask] = outFor(fn, x, out);
      w.arena.map(xs, o, mask, kernel);
      return o;
    }) as Elementwise;
  };
  return { log: map('log'), log1p: map('log1p') };
}
