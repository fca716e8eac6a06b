import { describe, expect, it } from 'vitest';
import { createKernel, reference, type Softxent, simdSupported } from '../src/index.js';
import { fixture } from './helpers.js';

describe('createKernel', () => {
  it('picks the SIMD build on Node 20, the scalar build on request', async () => {
    expect(simdSupported()).toBe(true);
    expect((await createKernel()).backend).toBe('wasm-simd');
    expect((await createKernel({ simd: false })).backend).toBe('wasm');
    expect(reference.backend).toBe('js');
    expect(reference.memoryBytes()).toBe(0);
  });

  it('rejects bad options', async () => {
    await expect(createKernel(null as never)).rejects.toThrow(TypeError);
    for (const chunk of [0, 3, 1.5, 2 ** 21, Number.NaN]) {
      await expect(createKernel({ chunk })).rejects.toThrow(RangeError);
    }
  });

  it('gives each kernel its own bounded memory, whatever the input length', async () => {
    const a = await createKernel();
    const b = await createKernel({ chunk: 64 });
    const before = a.memoryBytes();
    expect(before).toBeLessThanOrEqual(1 << 20);
    expect(b.memoryBytes()).toBeLessThan(before);
    const n = 3 * 2 ** 20 + 5;
    const p = new Float64Array(n).fill(0.5);
    expect(a.bce(p, p)).toBeCloseTo(Math.LN2, 15);
    expect(b.bce(p, p, { reduction: 'sum' })).toBeCloseTo(n * Math.LN2, 6);
    expect(a.memoryBytes()).toBe(before);
    // Interleaved use of two kernels does not mix their results.
    const x = Float64Array.from([1, 2, 3]);
    expect(Array.from(a.log(x))).toEqual(Array.from(b.log(x)));
  });
});

describe('the SIMD and scalar builds', () => {
  it('return the same bits for every element (same operations, same order)', async () => {
    const simd = await createKernel();
    const scalar = await createKernel({ simd: false });
    const L = fixture<{ log: number[][]; log1p: number[][] }>('log.json');
    const B = fixture<{ bce: number[][]; bceWithLogits: Record<string, number[][]> }>('binary.json');
    const col = (rows: number[][], j: number) => Float64Array.from(rows, (r) => r[j]);
    const same = (a: Float64Array, b: Float64Array) => {
      expect(a.length).toBe(b.length);
      const bad = Array.from(a).findIndex((v, i) => !Object.is(v, b[i]));
      expect(bad, `element ${bad}: ${a[bad]} vs ${b[bad]}`).toBe(-1);
    };
    for (const fn of ['log', 'log1p'] as const) same(simd[fn](col(L[fn], 0)), scalar[fn](col(L[fn], 0)));
    const run = (k: Softxent, fn: 'bce' | 'bceWithLogits', rows: number[][], posWeight?: number) => {
      const grad = new Float64Array(rows.length);
      const o = { reduction: 'none' as const, grad, ...(posWeight === undefined ? {} : { posWeight }) };
      return [k[fn](col(rows, 0), col(rows, 1), o), grad];
    };
    run(simd, 'bce', B.bce).forEach((a, i) => {
      same(a, run(scalar, 'bce', B.bce)[i]);
    });
    for (const [pw, rows] of Object.entries(B.bceWithLogits)) {
      run(simd, 'bceWithLogits', rows, Number(pw)).forEach((a, i) => {
        same(a, run(scalar, 'bceWithLogits', rows, Number(pw))[i]);
      });
    }
  });
});
