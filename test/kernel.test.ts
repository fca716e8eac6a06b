import { describe, expect, inject, it } from 'vitest';
import { Arena } from '../src/arena.js';
import { createKernel, reference, type Softxent, simdSupported } from '../src/index.js';
import { Heap } from '../src/memory.js';
import { col, fixture } from './helpers.js';

describe('createKernel', () => {
  it('picks the SIMD build in Node 20 and in Chromium, the scalar build on request', async () => {
    // The project says where the test runs (vitest.config.ts); check that it really is there.
    if (inject('where') === 'chromium') {
      expect(typeof window).toBe('object');
      expect(navigator.userAgent).toMatch(/Chrome\//);
    } else {
      expect(process.versions.node).toMatch(/^\d+\./);
    }
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

/** The arena's float32 conversions, for float64-only tests without a module. */
const F64_ONLY = {
  promote() {
    throw new Error('unexpected float32');
  },
  demote() {
    throw new Error('unexpected float32');
  },
};

describe('Arena', () => {
  it('rebuilds its view after the memory grows (growth detaches the old buffer)', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 64 });
    const heap = new Heap(memory, 100);
    const arena = new Arena(heap, 64, F64_ONLY);
    expect(arena.ptr(0) % 64).toBe(0);
    const before = arena.heap();
    before[arena.ptr(1) / 8] = 42;
    heap.alloc(3 * 65536); // grows the memory
    expect(before.length).toBe(0);
    const after = arena.heap();
    expect(after.length).toBe(memory.buffer.byteLength / 8);
    expect(after[arena.ptr(1) / 8]).toBe(42);
  });

  it('maps a kernel over every element once, in chunks, and reports the first element it refuses', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const arena = new Arena(new Heap(memory, 0), 4, F64_ONLY);
    const x = Float64Array.from({ length: 10 }, (_, i) => i);
    const y = new Float64Array(10);
    const seen: number[] = [];
    const double = (px: number, pout: number, n: number) => {
      const h = arena.heap();
      for (let i = 0; i < n; i++) h[pout / 8 + i] = 2 * h[px / 8 + i];
      seen.push(n);
      return -1;
    };
    expect(arena.map(x, y, 0, double)).toBe(-1);
    expect(seen).toEqual([4, 4, 2]);
    expect(Array.from(y)).toEqual(Array.from(x, (v) => 2 * v));
    const refuse = (px: number, _pout: number, n: number, at: number) => {
      const h = arena.heap();
      for (let i = 0; i < n; i++) if (h[px / 8 + i] === at) return i;
      return -1;
    };
    expect(arena.map(x, y, 0, refuse, 6)).toBe(6);
    expect(arena.map(x, y, 0, refuse, 42)).toBe(-1);
  });
});
