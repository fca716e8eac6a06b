// The continuous-Bernoulli family on a WebAssembly kernel: log-normalizer, mean, NLL.
import { binaryLoss } from './binary.js';
import type { CbFamily, Elementwise } from './types.js';
import { meanOptions, outFor, predError } from './validate.js';
import type { Wasm } from './wasm.js';

export function cbFamily(w: Wasm): CbFamily {
  // An elementwise kernel that validates: it returns -1 or the first bad index of its chunk.
  const map = (
    fn: string,
    name: string,
    logits: boolean,
    x: unknown,
    out: unknown,
    kernel: (px: number, pout: number, n: number, arg: number, f32: number) => number,
    arg = 0,
  ) => {
    const [xs, o, mask] = outFor(fn, x, out, name);
    const bad = w.arena.map(xs, o, mask, kernel, arg);
    if (bad >= 0) throw predError(fn, name, logits, bad, xs[bad]);
    return o;
  };
  const { ex } = w;
  // The kernels read and write float32 where it is; cbMean's arg says logits.
  const logNorm = (px: number, pout: number, n: number, _arg: number, f32: number) => ex.cbLogNorm(px, pout, n, f32);
  const logNormLogits = (px: number, pout: number, n: number, _arg: number, f32: number) =>
    ex.cbLogNormWithLogits(px, pout, n, f32);
  return {
    cbLogNorm: ((probs: unknown, out?: unknown) =>
      map('cbLogNorm', 'probs', false, probs, out, logNorm)) as Elementwise,
    cbLogNormWithLogits: ((logits: unknown, out?: unknown) =>
      map('cbLogNormWithLogits', 'logits', true, logits, out, logNormLogits)) as Elementwise,
    cbMean: ((v: unknown, options: unknown, out?: unknown) => {
      const logits = meanOptions(options);
      return map('cbMean', logits ? 'logits' : 'probs', logits, v, out, ex.cbMean, logits ? 1 : 0);
    }) as CbFamily['cbMean'],
    cbNll: binaryLoss(w, 'cbNll'),
    cbNllWithLogits: binaryLoss(w, 'cbNllWithLogits'),
  };
}
