// Row helpers of the multi-class references (softmax.ts, labels.ts).
import type { FloatArray } from '../types.js';

/** The largest logit of a row (±Infinity: the limits below). */
export function rowMax(z: FloatArray, from: number, C: number): number {
  let m = -Infinity;
  for (let j = from; j < from + C; j++) m = Math.max(m, z[j]);
  return m;
}

/**
 * The logit the sums see: unchanged when the row's max m is finite; for a row holding +Infinity,
 * 0 for those logits and -Infinity for the others; for a row of -Infinity only, 0.
 */
export const limit = (v: number, m: number): number =>
  m === Infinity ? (v === Infinity ? 0 : -Infinity) : m === -Infinity ? 0 : v;
