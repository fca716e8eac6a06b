import { describe, expect, it } from 'vitest';
import { createKernel, reference, simdSupported } from '../src/index.js';

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
