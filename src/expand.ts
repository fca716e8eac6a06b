import type { FloatArray } from './types.js';
import { badWeight, expectFloat, expectLength, inUnit, isWeight, outsideUnit } from './validate.js';

/** A hard-label dataset of 2N samples (the result of `expandSoftLabels`): every target is 0 or 1. */
export interface HardLabels {
  /** Each input value twice: x[2i] = x[2i+1] = the input's x[i]. */
  x: Float64Array;
  /** 1, 0, 1, 0, ...: label 1 at even indices, 0 at odd ones. */
  targets: Float64Array;
  /** w·ℓ at 2i, w·(1-ℓ) at 2i+1 (w = the input's weight[i], default 1; ℓ = targets[i]). */
  weight: Float64Array;
}

/**
 * The weighted hard-label dataset equivalent to a soft-label batch: sample i becomes 2i (label 1,
 * weight w·ℓ) and 2i+1 (label 0, weight w·(1-ℓ)), so that bce / bceWithLogits with 'sum' agree on
 * both, as do their gradients summed over each pair.
 *
 * PyTorch (no single function): `x.repeat_interleave(2)`, `torch.tensor([1., 0.]).repeat(N)`,
 * `torch.stack([w * t, w * (1 - t)], 1).flatten()`.
 * @param x - Predictions (probabilities or logits), copied as they are (not validated).
 * @param targets - Soft labels ℓ in [0, 1], x's length.
 * @param weight - Per-sample weight, finite and >= 0, x's length; default all 1.
 * @returns Three new Float64Arrays of length 2N.
 * @throws {TypeError} x, targets or weight (when given) not a Float64Array or Float32Array (or detached, or a
 * freed `k.alloc` view).
 * @throws {RangeError} targets or weight not of x's length; a target outside [0, 1] or NaN, a weight that is
 * negative, infinite or NaN (the first, by index).
 */
export function expandSoftLabels(x: FloatArray, targets: FloatArray, weight?: FloatArray): HardLabels {
  const fn = 'expandSoftLabels';
  expectFloat(fn, 'x', x);
  expectFloat(fn, 'targets', targets);
  if (weight !== undefined) expectFloat(fn, 'weight', weight);
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
