// The elementwise functions (log, log1p and the continuous-Bernoulli log-normalizer and mean): one map
// kernel each, streamed through the arena chunk by chunk (a pool's workers run the same maps).
import type { Elementwise } from './types.js';
import { outFor } from './validate.js';
import type { Exports, Wasm } from './wasm.js';

/**
 * A map kernel: reads x and writes out (float32 where it is: F_PRED x, F_OUT out in `f32`); returns -1
 * or the index of the first element it refused.
 */
export type MapKernel = (px: number, pout: number, n: number, arg: number, f32: number) => number;

export type MapFn = 'log' | 'log1p' | 'cbLogNorm' | 'cbLogNormWithLogits' | 'cbMean';

/** The map kernels of a module; cbMean's arg says logits. */
export function mapKernels(ex: Exports): Record<MapFn, MapKernel> {
  return {
    // IEEE results for every input: nothing to refuse
    log: (px, pout, n, _arg, f32) => {
      ex.log(px, pout, n, f32);
      return -1;
    },
    log1p: (px, pout, n, _arg, f32) => {
      ex.log1p(px, pout, n, f32);
      return -1;
    },
    cbLogNorm: (px, pout, n, _arg, f32) => ex.cbLogNorm(px, pout, n, f32),
    cbLogNormWithLogits: (px, pout, n, _arg, f32) => ex.cbLogNormWithLogits(px, pout, n, f32),
    cbMean: ex.cbMean,
  };
}

export function elementwiseFamily(w: Wasm): { log: Elementwise; log1p: Elementwise } {
  const kernels = mapKernels(w.ex);
  const map = (fn: 'log' | 'log1p'): Elementwise =>
    ((x: unknown, out?: unknown) => {
      const [xs, o, mask] = outFor(fn, x, out);
      w.arena.map(xs, o, mask, kernels[fn]);
      return o;
    }) as Elementwise;
  return { log: map('log'), log1p: map('log1p') };
}
