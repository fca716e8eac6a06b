import { beforeAll, describe, expect, it } from 'vitest';
import type { Softxent } from '../src/index.js';
import { elementwiseAccuracy } from './accuracy.js';
import { BACKENDS, CHUNKED, fixture, ulp } from './helpers.js';

type Row = [x: number, rounded: number, residual: number];
const F = fixture<{ log: Row[]; log1p: Row[]; logSpecial: [number, number][]; log1pSpecial: [number, number][] }>(
  'log.json',
);

describe.each(BACKENDS)('log, log1p on %s', (_name, make) => {
  let k: Softxent;
  beforeAll(async () => {
    k = await make();
  });

  for (const fn of ['log', 'log1p'] as const) {
    it(`${fn} is within 1 ulp of the true value (mpmath) over the fixture`, () => {
      const w = elementwiseAccuracy(k, fn);
      expect(w.ulps, w.at).toBeLessThanOrEqual(1);
      expect(w.points).toBeGreaterThan(1500);
    });

    it(`${fn} follows IEEE 754 for special inputs, also mixed into SIMD pairs`, () => {
      const sp = F[`${fn}Special`];
      // Each special next to a plain value and next to each other, at odd and even positions.
      const xs = [...sp.flatMap(([x]) => [x, 0.75, x]), 0.75];
      const y = k[fn](Float64Array.from(xs));
      const expected = [...sp.flatMap(([, v]) => [v, Math[fn](0.75), v]), Math[fn](0.75)];
      xs.forEach((x, i) => {
        expect(Object.is(y[i], expected[i]), `${fn}(${x}) = ${y[i]}`).toBe(true);
      });
    });
  }

  it('writes into out, also in place, and returns it', () => {
    const x = Float64Array.from([1, 2, 4, 8, 0.5]);
    const out = new Float64Array(5);
    expect(k.log(x, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(x, Math.log));
    expect(k.log1p(x, x)).toBe(x);
    expect(Array.from(x)).toEqual([1, 2, 4, 8, 0.5].map(Math.log1p));
  });

  it('rejects wrong types and out lengths, naming the argument', () => {
    expect(() => k.log([1, 2] as unknown as Float64Array)).toThrow(TypeError);
    expect(() => k.log([1, 2] as unknown as Float64Array)).toThrow(/log: x must be a Float64Array/);
    expect(() => k.log1p(new Int32Array(2) as unknown as Float64Array)).toThrow(
      /x must be a Float64Array or a Float32Array, got an Int32Array/,
    );
    expect(() => k.log(new Float64Array(3), new Float64Array(2))).toThrow(RangeError);
    expect(() => k.log(new Float64Array(3), new Float64Array(2))).toThrow(/out has length 2, expected 3/);
    expect(() => k.log(new Float64Array(3), [] as unknown as Float64Array)).toThrow(/out must be a Float64Array/);
    expect(k.log(new Float64Array(0)).length).toBe(0);
  });
});

describe.each(CHUNKED)('log across chunk boundaries on %s', (_name, make) => {
  it('gives the same values for every length around the chunk size', async () => {
    const k = await make();
    for (const n of [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33]) {
      const x = Float64Array.from({ length: n }, (_, i) => (i === 5 ? 0 : 0.5 + i * 1.37));
      const copy = x.slice();
      const y = k.log(x);
      expect(Array.from(x)).toEqual(Array.from(copy));
      for (let i = 0; i < n; i++) {
        // Math.log and ours are each within 1 ulp of the truth.
        const e = Math.log(x[i]);
        const ok = Number.isFinite(e) ? Math.abs(y[i] - e) <= 2 * ulp(e) : Object.is(y[i], e);
        expect(ok, `n=${n} log(${x[i]}) = ${y[i]}`).toBe(true);
      }
      if (n > 5) expect(y[5]).toBe(-Infinity);
    }
  });
});
