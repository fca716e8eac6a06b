import { badWeight, expectF64, expectLength, inUnit, isWeight, outsideUnit } from './validate.js';

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
  expectLength(fn, 'targets', targets, n, 'x');
  if (weight !== undefined) expectLength(fn, 'weight', weight, n, 'x');
  const out: HardLabels = {
    x: new Float64Array(2 * n),
    targets: new Float64Array(2 * n),
    weight: new Float64Array(2 * n),
  };
  for (let i = 0; i < n; i++) {
    const l = targets[i];
    if (!inUnit(l)) throw outsideUnit(fn, 'targets', i, l);
    const w = weight ? weight[i] : 1;
    if (!isWeight(w)) throw badWeight(fn, i, w);
    out.x[2 * i] = out.x[2 * i + 1] = x[i];
    out.targets[2 * i] = 1;
    out.weight[2 * i] = w * l;
    out.weight[2 * i + 1] = w * (1 - l);
  }
  return out;
}
