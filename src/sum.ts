import type { FloatArray, Reduction } from './types.js';

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

  /** The sum; an infinite running sum as it is (its compensation is then NaN). */
  value(): number {
    return Number.isFinite(this.s) ? this.s + this.c : this.s;
  }

  reset(): void {
    this.s = 0;
    this.c = 0;
  }
}

/**
 * What a call's chunk loop produces: each chunk's partial sum (hi, lo) and infinity flags, summed in
 * chunk order (a kernel) or recorded in order (a pool's worker, whose caller replays them into its Sum:
 * the same additions in the same order, so the same bits); and, when the loop stops at a bad element,
 * the kernel's code for the bad argument.
 */
export class Tally {
  readonly sum = new Sum();
  inf = 0;
  arg = 0;
  /** Recording: the chunks' (hi, lo) pairs in order, not summed. */
  parts: number[] | undefined;

  add(hi: number, lo: number, inf: number): void {
    if (this.parts) this.parts.push(hi, lo);
    else {
      this.sum.add(hi);
      this.sum.add(lo);
    }
    this.inf |= inf;
  }

  /** Adds chunks recorded elsewhere (`parts`: their (hi, lo) pairs in order) and their flags. */
  replay(parts: ArrayLike<number>, inf: number): void {
    for (let i = 0; i < parts.length; i += 2) this.add(parts[i], parts[i + 1], 0);
    this.inf |= inf;
  }

  reset(): void {
    this.sum.reset();
    this.inf = 0;
    this.arg = 0;
    if (this.parts) this.parts.length = 0;
  }
}

/** Flags of the infinite losses a call produced: +Infinity, -Infinity. */
export const POS_INF = 1;
export const NEG_INF = 2;

/**
 * The result of a loss call from the compensated sum of weighted losses. The terms are NaN-free
 * (inputs are validated), so a NaN total comes from Infinity - Infinity inside the compensation:
 * the sum is the infinity that occurred, or NaN when both signs did (`inf`: flags; only the
 * continuous-Bernoulli losses, which are -Infinity where x is the endpoint of a degenerate lambda,
 * can have -Infinity).
 */
export function reduce(
  c: { readonly reduction: Reduction; readonly n: number; readonly den?: number },
  sum: Sum,
  perSample: FloatArray | undefined,
  inf = POS_INF,
): number | FloatArray {
  if (c.reduction === 'none') return perSample as FloatArray;
  let s = sum.value();
  if (Number.isNaN(s)) s = inf === NEG_INF ? -Infinity : inf === (POS_INF | NEG_INF) ? Number.NaN : Infinity;
  return c.reduction === 'sum' ? s : s / (c.den ?? c.n);
}
