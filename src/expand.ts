import { expectF64 } from './validate.js';

/** A hard-label dataset: every target is 0 or 1. */
export interface HardLabels {
  x: Float64Array;
  targets: Float64Array;
  weight: Float64Array;
}

/**
 * The weighted hard-label dataset equivalent to a soft-label batch: sample i becomes 2i (label 1,
 * weight w·ℓ) and 2i+1 (label 0, weight w·(1-ℓ)), so that bce / bceWithLogits with 'sum' agree on
 * both, as do their gradients summed over each pair.
 */
export function expandSoftLabels(x: Float64Array, targets: Float64Array, weight?: Float64Array): HardLabels {
  const fn = 'expandSoftLabels';
  expectF64(fn, 'x', x);
  expectF64(fn, 'targets', targets);
  if (weight !== undefined) expectF64(fn, 'weight', weight);
  const n = x.length;
  for (const [name, a] of [
    ['targets', targets],
    ['weight', weight],
  ] as const) {
    if (a && a.length !== n)
      throw new RangeError(`${fn}: ${name} has length ${a.length}, expected ${n} (the length of x)`);
  }
  const out: HardLabels = {
    x: new Float64Array(2 * n),
    targets: new Float64Array(2 * n),
    weight: new Float64Array(2 * n),
  };
  for (let i = 0; i < n; i++) {
    const l = targets[i];
    if (!(l >= 0 && l <= 1)) throw new RangeError(`${fn}: targets[${i}] = ${l} is outside [0, 1]`);
    const w = weight ? weight[i] : 1;
    if (!(w >= 0 && w < Infinity)) throw new RangeError(`${fn}: weight[${i}] = ${w} is not a finite number >= 0`);
    out.x[2 * i] = out.x[2 * i + 1] = x[i];
    out.targets[2 * i] = 1;
    out.weight[2 * i] = w * l;
    out.weight[2 * i + 1] = w * (1 - l);
  }
  return out;
}
