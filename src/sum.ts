import type { BinaryCall } from './validate.js';

/** Neumaier's compensated sum: error bounded by 2u|S| + O(n u^2) sum |x|, not growing with n. */
export class Sum {
  private s = 0;
  private c = 0;

  add(v: number): void {
    const s = this.s;
    const t = s + v;
    this.c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    this.s = t;
  }

  value(): number {
    return this.s + this.c;
  }
}

/**
 * The result of a loss call from the compensated sum of weighted losses. The terms are >= 0 and
 * NaN-free (inputs are validated), so a NaN total only comes from Infinity - Infinity inside the
 * compensation: the sum is +Infinity.
 */
export function reduce(c: BinaryCall, sum: Sum, perSample: Float64Array | undefined): number | Float64Array {
  if (c.reduction === 'none') return perSample as Float64Array;
  let s = sum.value();
  if (Number.isNaN(s)) s = Infinity;
  return c.reduction === 'sum' ? s : s / c.n;
}
