// log and log1p over Float64Arrays, streamed through the arena.
import type { Elementwise } from './types.js';
import { outFor } from './validate.js';
import type { Wasm } from './wasm.js';

export function elementwiseFamily(w: Wasm): { log: Elementwise; log1p: Elementwise } {
  const map =
    (fn: 'log' | 'log1p'): Elementwise =>
    (x, out) => {
      const [xs, o] = outFor(fn, x, out);
      const kernel = w.ex[fn];
      w.arena.stream(xs.length, [xs], [o], (p, len) => {
        kernel(p[0], p[1], len);
        return true;
      });
      return o;
    };
  return { log: map('log'), log1p: map('log1p') };
}
