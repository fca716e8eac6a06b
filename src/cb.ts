// The continuous-Bernoulli family on a WebAssembly kernel: log-normalizer, mean, NLL.
import { binaryLoss } from './binary.js';
import { type MapKernel, mapKernels } from './elementwise.js';
import type { CbFamily, Elementwise } from './types.js';
import { meanOptions, outFor, predError } from './validate.js';
import type { Wasm } from './wasm.js';

export function cbFamily(w: Wasm): CbFamily {
  // An elementwise kernel that validates: it returns -1 or the first bad index of its chunk.
  const map = (fn: string, name: string, logits: boolean, x: unknown, out: unknown, kernel: MapKernel, arg = 0) => {
    const [xs, o, mask] = outFor(fn, x, out, name);
    const bad = w.arena.map(xs, o, mask, kernel, arg);
    if (bad >= 0) throw predError(fn, name, logits, bad, xs[bad]);
    return o;
  };
  const k = mapKernels(w.ex);
  return {
    cbLogNorm: ((probs: unknown, out?: unknown) =>
      map('cbLogNorm', 'probs', false, probs, out, k.cbLogNorm)) as Elementwise,
    cbLogNormWithLogits: ((logits: unknown, out?: unknown) =>
      map('cbLogNormWithLogits', 'logits', true, logits, out, k.cbLogNormWithLogits)) as Elementwise,
    cbMean: ((v: unknown, options: unknown, out?: unknown) => {
      const logits = meanOptions(options);
      return map('cbMean', logits ? 'logits' : 'probs', logits, v, out, k.cbMean, logits ? 1 : 0);
    }) as CbFamily['cbMean'],
    cbNll: binaryLoss(w, 'cbNll'),
    cbNllWithLogits: binaryLoss(w, 'cbNllWithLogits'),
  };
}
