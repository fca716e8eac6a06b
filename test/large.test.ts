// One call over more bytes than a 32-bit WebAssembly memory can hold: the arena streams it in
// chunks and the kernel's memory stays bounded.
import { describe, expect, it } from 'vitest';
import { createKernel } from '../src/index.js';
import { ulp } from './helpers.js';

describe('inputs larger than 4 GiB in one call', () => {
  it('bce with gradient over two 2^28-element arrays plus a 2^28-element gradient (6 GiB)', async () => {
    const n = 2 ** 28;
    const p = new Float64Array(n).fill(0.25);
    const t = new Float64Array(n).fill(0.75);
    p[n - 1] = 0.5;
    const grad = new Float64Array(n);
    for (const k of [await createKernel(), await createKernel({ simd: false })]) {
      grad.fill(Number.NaN);
      const sum = k.bce(p, t, { grad, reduction: 'sum' }) as number;
      // Every element but the last: -(0.75 log 0.25 + 0.25 log 0.75).
      const l = -(0.75 * Math.log(0.25) + 0.25 * Math.log(0.75));
      const exact = (n - 1) * l + Math.LN2;
      expect(Math.abs(sum - exact)).toBeLessThanOrEqual(16 * ulp(exact));
      expect(grad[0]).toBe((0.25 - 0.75) / (0.25 * 0.75));
      expect(grad[n - 2]).toBe(grad[0]);
      expect(grad[n - 1]).toBe((0.5 - 0.75) / 0.25);
      expect(k.memoryBytes()).toBeLessThanOrEqual(64 * 2 ** 20);
    }
  });
});
